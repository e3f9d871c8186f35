// coursesite theme: colour scheme switch, copy buttons, video on demand, search.
// Loaded with `defer`; the page works without it.
(() => {
  "use strict";
  const root = document.documentElement;

  // -- auto (the system's) / light / dark: each press shows a change, the third goes back --
  const toggle = document.querySelector(".theme-toggle");
  const systemDark = () => matchMedia("(prefers-color-scheme: dark)").matches;
  const names = { auto: "Auto", light: "Light", dark: "Dark" };
  const mode = () => root.dataset.theme || "auto";
  const label = () => {
    if (!toggle) return;
    toggle.textContent = names[mode()];
    toggle.setAttribute("aria-label", `Colour scheme: ${names[mode()]}` +
      (mode() === "auto" ? " (follows the system)" : "") + ". Change it");
  };
  if (toggle) {
    toggle.hidden = false;
    label();
    toggle.addEventListener("click", () => {
      const order = systemDark() ? ["auto", "light", "dark"] : ["auto", "dark", "light"];
      const next = order[(order.indexOf(mode()) + 1) % order.length];
      try {
        if (next === "auto") localStorage.removeItem("coursesite-theme");
        else localStorage.setItem("coursesite-theme", next);
      } catch (e) { /* private mode */ }
      if (next === "auto") delete root.dataset.theme; else root.dataset.theme = next;
      label();
    });
  }

  // -- phones: the header's links behind a menu button; the course outline folded -----
  const menuButton = document.querySelector(".menu-toggle");
  const menu = document.getElementById("site-menu");
  if (menuButton && menu) {
    menuButton.hidden = false;
    document.querySelector(".site-header").classList.add("menu-ready");
    menuButton.addEventListener("click", () => {
      menuButton.setAttribute("aria-expanded", String(menu.classList.toggle("open")));
    });
  }
  const outline = document.querySelector(".outline");
  if (outline && matchMedia("(max-width: 52rem)").matches) outline.open = false;

  // -- a copy button on every code block ---------------------------------------------
  for (const block of document.querySelectorAll(".prose .highlight")) {
    const code = block.querySelector("td.code pre, pre");
    if (!code) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy-code";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy the code");
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(code.innerText.replace(/\n$/, ""));
        button.textContent = "Copied";
      } catch (e) {
        button.textContent = "Select and copy";
      }
      setTimeout(() => { button.textContent = "Copy"; }, 2000);
    });
    block.appendChild(button);
  }

  // -- videos load from their host only when asked for ----------------------------------
  for (const embed of document.querySelectorAll(".embed[data-src]")) {
    const link = embed.querySelector(".embed-play");
    if (!link) continue;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const frame = document.createElement("iframe");
      frame.src = embed.dataset.src;
      frame.title = embed.dataset.title || "Video player";
      frame.allow = "accelerometer; encrypted-media; gyroscope; picture-in-picture; fullscreen";
      frame.referrerPolicy = "strict-origin-when-cross-origin";
      frame.allowFullscreen = true;
      embed.replaceChildren(frame);
      frame.focus();
    });
  }

  // -- search with Pagefind, loaded on first use -------------------------------------------
  const form = document.querySelector(".site-search");
  if (!form) return;
  const input = form.querySelector("input");
  const panel = form.querySelector(".search-results");
  let pagefind = null;
  let latest = 0;
  const load = async () => {
    if (!pagefind) {
      pagefind = await import(form.dataset.bundle + "pagefind.js");
      await pagefind.options({ baseUrl: form.dataset.base });
    }
    return pagefind;
  };
  const show = (nodes) => { panel.replaceChildren(...nodes); panel.hidden = false; };
  const status = (text) => {
    const p = document.createElement("p");
    p.className = "search-status";
    p.setAttribute("role", "status");
    p.textContent = text;
    return p;
  };
  const run = async () => {
    const query = input.value.trim();
    const mine = ++latest;
    if (!query) { panel.hidden = true; return; }
    const engine = await load();
    const found = await engine.search(query);
    // Pagefind also answers with pages that only share a stem or a prefix of a word
    // ("xyzzy" found a lesson with an "x"): a page is shown when each word is there.
    // Each word's start is looked for, as a stem: "networks" is there in "network".
    const words = query.toLowerCase().split(/\s+/).filter((w) => w.length > 1)
      .map((w) => w.slice(0, Math.max(3, w.length - 2)));
    const holds = (item) => words.every((w) => (item.content || "").toLowerCase().includes(w) ||
      ((item.meta && item.meta.title) || "").toLowerCase().includes(w));
    const fetched = await Promise.all(found.results.slice(0, 30).map((r) => r.data()));
    if (mine !== latest) return;
    const kept = fetched.filter(holds);
    const data = kept.slice(0, 10);
    const list = document.createElement("ol");
    for (const item of data) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = item.url;
      a.textContent = (item.meta && item.meta.title) || item.url;
      const excerpt = document.createElement("p");
      excerpt.innerHTML = item.excerpt; // Pagefind escapes the text and adds <mark> only
      li.append(a, excerpt);
      list.appendChild(li);
    }
    // Every page looked at holds the words: so do, most likely, those not looked at.
    const count = kept.length === fetched.length ? found.results.length : kept.length;
    show([status(count ? `${count} page${count > 1 ? "s" : ""} found` : "Nothing found"), list]);
  };
  input.addEventListener("input", run);
  // Arrow keys go from the box through the results and back.
  form.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const links = [...panel.querySelectorAll("a")];
    if (panel.hidden || !links.length) return;
    const at = links.indexOf(document.activeElement);
    const next = event.key === "ArrowDown" ? at + 1 : at - 1;
    event.preventDefault();
    (next < 0 ? input : links[Math.min(next, links.length - 1)]).focus();
  });
  input.addEventListener("focus", () => { load().catch(() => {}); });
  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) { panel.hidden = true; input.focus(); }
  });
  document.addEventListener("click", (event) => {
    if (!form.contains(event.target)) panel.hidden = true;
  });
  // The 404 page's search form sends its words here, to the home page: ?q=...
  const asked = new URLSearchParams(location.search).get("q");
  if (asked) { input.value = asked; run(); }
})();
