"""Plot widgets (pyqtgraph) that only draw what they are given."""
