"""Workers: the only place that creates QThreads (one long job per QObject moved to its own thread)."""
