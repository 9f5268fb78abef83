// The course's JupyterLab 3.6: JupyterLab's own front-end extensions (the notebook, file browser,
// menus, rendermime with MathJax 2, the light theme) and jupyterlab-plotly's mime renderer, put
// together with JupyterLab's application API (JupyterLab, registerPluginModules, start). The
// server side is serve.py. Left out on purpose: the news and update checks (their server API
// belongs to the jupyterlab Python package, which this server does not have).
import { JupyterLab } from "@jupyterlab/application";
import { PageConfig } from "@jupyterlab/coreutils";

import "@jupyterlab/application-extension/style/index.js";
import "@jupyterlab/apputils-extension/style/index.js";
import "@jupyterlab/codemirror-extension/style/index.js";
import "@jupyterlab/completer-extension/style/index.js";
import "@jupyterlab/docmanager-extension/style/index.js";
import "@jupyterlab/filebrowser-extension/style/index.js";
import "@jupyterlab/javascript-extension/style/index.js";
import "@jupyterlab/json-extension/style/index.js";
import "@jupyterlab/mainmenu-extension/style/index.js";
import "@jupyterlab/mathjax2-extension/style/index.js";
import "@jupyterlab/notebook-extension/style/index.js";
import "@jupyterlab/rendermime-extension/style/index.js";
import "@jupyterlab/shortcuts-extension/style/index.js";
import "@jupyterlab/statusbar-extension/style/index.js";
import "@jupyterlab/tooltip-extension/style/index.js";
import "@jupyterlab/translation-extension/style/index.js";
import "jupyterlab-plotly/style/index.css";

/** Plugins that call the jupyterlab package's server API (/lab/api/news, /lab/api/update). */
const LEFT_OUT = new Set(["@jupyterlab/apputils-extension:announcements"]);

async function main() {
  const extensions = [
    import("@jupyterlab/application-extension"),
    import("@jupyterlab/apputils-extension"),
    import("@jupyterlab/codemirror-extension"),
    import("@jupyterlab/completer-extension"),
    import("@jupyterlab/docmanager-extension"),
    import("@jupyterlab/filebrowser-extension"),
    import("@jupyterlab/mainmenu-extension"),
    import("@jupyterlab/mathjax2-extension"),
    import("@jupyterlab/notebook-extension"),
    import("@jupyterlab/rendermime-extension"),
    import("@jupyterlab/shortcuts-extension"),
    import("@jupyterlab/statusbar-extension"),
    import("@jupyterlab/theme-light-extension"),
    import("@jupyterlab/tooltip-extension"),
    import("@jupyterlab/translation-extension"),
  ];
  const mimeExtensions = [
    import("@jupyterlab/javascript-extension"),
    import("@jupyterlab/json-extension"),
  ];
  // serve.py --no-plotly, or ?plotly=off in the page's address, lists it in PageConfig's
  // disabledExtensions: charts then draw through their text/html output, as in a JupyterLab
  // without the plotly extension.
  if (!PageConfig.Extension.isDisabled("jupyterlab-plotly"))
    mimeExtensions.push(import("jupyterlab-plotly/lib/plotly-renderer.js"));

  // A mime extension is its module's default export (one renderer or a list of them).
  const lab = new JupyterLab({
    mimeExtensions: (await Promise.all(mimeExtensions)).map((mod) => mod.default),
  });
  const plugins = [];
  for (const mod of await Promise.all(extensions)) {
    const exported = mod.default;
    for (const plugin of Array.isArray(exported) ? exported : [exported]) {
      if (!LEFT_OUT.has(plugin.id) && !PageConfig.Extension.isDisabled(plugin.id))
        plugins.push(plugin);
    }
  }
  lab.registerPluginModules(plugins);
  await lab.start();
  await lab.restored;
  // For the tests (and the browser console): the application, as JupyterLab's own build names it.
  window.jupyterapp = lab;
}

main().catch((e) => {
  console.error(e);
  document.body.textContent = `JupyterLab failed to start: ${e && e.message ? e.message : e}`;
});
