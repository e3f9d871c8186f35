// Live reload for `build-site serve`; added to served pages only, never to output/.
// The server sends its state on connect and after every build: the version of
// the last good build, whether it changed only stylesheets, and any errors.
(() => {
  "use strict";
  let seen = Number(document.currentScript.dataset.version);
  const OVERLAY = "coursesite-errors";

  function showErrors(errors) {
    let box = document.getElementById(OVERLAY);
    if (!errors.length) {
      if (box) box.remove();
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = OVERLAY;
      box.setAttribute("role", "alert");
      box.style.cssText =
        "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
        "background:rgba(20,20,24,.92);color:#fff;font:14px/1.5 ui-monospace,monospace";
      document.body.appendChild(box);
    }
    const title = document.createElement("h2");
    title.textContent = `The build failed (${errors.length} error${errors.length > 1 ? "s" : ""}); ` +
      "this page is the last good build. Fix the file and save: this goes away.";
    title.style.cssText = "font:bold 16px/1.4 system-ui,sans-serif;margin:0 0 1rem;color:#ffb4a8";
    const list = document.createElement("pre");
    list.style.cssText = "white-space:pre-wrap;margin:0;color:#fff";
    list.textContent = errors.join("\n");
    box.replaceChildren(title, list);
  }

  function refreshStylesheets() {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin) continue;
      url.searchParams.set("live", String(Date.now()));
      link.href = url.toString();
    }
  }

  const events = new EventSource("/__coursesite/events");
  // Marks the page while the stream is open, for tests and the curious.
  events.onopen = () => { document.documentElement.dataset.coursesiteLive = "open"; };
  events.onmessage = (event) => {
    const state = JSON.parse(event.data);
    showErrors(state.errors);
    if (state.errors.length || state.version === seen) return;
    if (state.css && state.version === seen + 1) {
      seen = state.version;
      refreshStylesheets();
    } else {
      location.reload();
    }
  };
})();
