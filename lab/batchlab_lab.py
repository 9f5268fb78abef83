"""The course's JupyterLab 3.6 (the static files lab/build.mjs writes), served by jupyterlab_server's
LabServerApp on jupyter_server.

    python3 lab/serve.py [--no-plotly] [jupyter_server options...]

Workspaces and user settings live in a fresh temporary folder each run (a run starts from the
default layout). MathJax 2 comes from this machine (Debian's libjs-mathjax, or BATCHLAB_MATHJAX_DIR),
never from a CDN. --no-plotly leaves jupyterlab-plotly's renderer out, so that charts draw through
their text/html output; so does ?plotly=off in the address of one page (/lab?plotly=off), which
lets one server show both. Options such as --ip, --port, --ServerApp.token go to jupyter_server."""

import os
import sys
import tempfile

from jupyterlab_server import LabServerApp
from tornado.web import StaticFileHandler

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "build")
MATHJAX_DIR = os.environ.get("BATCHLAB_MATHJAX_DIR", "/usr/share/javascript/mathjax")
MATHJAX_URL = "/batchlab-mathjax/"


class BatchlabLab(LabServerApp):
    name = "batchlab_lab"
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False
    app_name = "JupyterLab"
    app_version = "3.6.8"
    app_settings_dir = os.path.join(BUILD, "settings")
    static_dir = os.path.join(BUILD, "static")
    templates_dir = os.path.join(HERE, "templates")
    schemas_dir = os.path.join(BUILD, "schemas")
    themes_dir = os.path.join(BUILD, "themes")
    # Reset every run: no layout or setting carries over from an earlier run.
    _state = tempfile.mkdtemp(prefix="batchlab-lab-state-")
    user_settings_dir = os.path.join(_state, "settings")
    workspaces_dir = os.path.join(_state, "workspaces")
    without_plotly = False

    def initialize_settings(self):
        super().initialize_settings()
        page = self.settings.setdefault("page_config_data", {})
        page["fullMathjaxUrl"] = self.serverapp.base_url.rstrip("/") + MATHJAX_URL + "MathJax.js"
        page["mathjaxConfig"] = "TeX-AMS_HTML-full,Safe"
        without_plotly = self.without_plotly

        # jupyterlab_server recomputes disabledExtensions from the installed lab extensions (none
        # here); the hook runs last, so the choice made here is what the page gets.
        def hook(handler, page_config):
            off = without_plotly or handler.get_query_argument("plotly", "on") == "off"
            page_config["disabledExtensions"] = ["jupyterlab-plotly"] if off else []
            return page_config

        self.settings["page_config_hook"] = hook

    def initialize_handlers(self):
        super().initialize_handlers()
        self.handlers.append((MATHJAX_URL + "(.*)", StaticFileHandler, {"path": MATHJAX_DIR}))


def main(argv):
    without_plotly = "--no-plotly" in argv
    argv = [a for a in argv if a != "--no-plotly"]
    if not os.path.exists(os.path.join(BUILD, "static", "bundle.js")):
        sys.exit("lab/build is missing: run `npm ci && npm run build` in lab/ first")
    if not os.path.exists(os.path.join(MATHJAX_DIR, "MathJax.js")):
        sys.exit(f"MathJax 2 not found in {MATHJAX_DIR}: sudo apt-get install libjs-mathjax (or set BATCHLAB_MATHJAX_DIR)")
    BatchlabLab.without_plotly = without_plotly
    BatchlabLab.launch_instance(argv)


def _jupyter_server_extension_points():
    """How jupyter_server finds the app in this module."""
    return [{"module": __name__, "app": BatchlabLab}]
