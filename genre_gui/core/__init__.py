"""Pure NumPy/SciPy compute core. Never imports Qt or sounddevice (a test enforces this)."""
