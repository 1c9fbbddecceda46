"""Loaders: OA units, the venue template, scan import and batch delete (the loaders issue).
One implementation per action, called by the command line (tasks.py) and the web pages."""
