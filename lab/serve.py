#!/usr/bin/env python3
"""python3 lab/serve.py [--no-plotly] [jupyter_server options...]: see batchlab_lab.py. The app lives
in its own module because jupyter_server finds an extension by its module's name."""
import sys

from batchlab_lab import main

main(sys.argv[1:])
