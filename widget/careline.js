/* Careline website chat widget. Embed with:
 *   <script src="https://CARELINE/widget/careline.js" data-careline-key="PUBLIC_KEY" async></script>
 * Plain JavaScript, no dependencies. Every text goes in with textContent: nothing the bot,
 * staff or a visitor writes is ever read as HTML. Protocol: docs/widget-protocol.md. */
(() => {
  "use strict";
  if (window.Careline) return;
  const script = document.currentScript || document.querySelector("script[data-careline-key]");
  const key = script && script.getAttribute("data-careline-key");
  if (!key) return;
  const src = new URL(script.src, location.href);
  const base = src.href.replace(/\/widget\/careline\.js(\?.*)?$/, "");
  const KEY = "careline:" + key;
  const OPTION = /^(\d{1,2})\. (.+)$/;
  const HEX = /^#[0-9a-f]{6}$/i;

  const load = () => { try { return JSON.parse(sessionStorage.getItem(KEY)) || {}; } catch (e) { return {}; } };
  const saved = load();
  // Kept across the website's pages: the session, the messages not yet acknowledged, and
  // whether the chat was open. A new page asks for the whole kept conversation again.
  const st = {
    token: saved.token || "", expires: saved.expires || 0,
    pending: Array.isArray(saved.pending) ? saved.pending : [], open: !!saved.open,
  };
  const save = () => {
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ token: st.token, expires: st.expires,
        pending: st.pending, open: st.open }));
    } catch (e) { /* storage blocked: the chat still works on this page */ }
  };

  let cfg = { name: "Chat", welcome_prompt: "", options: [], primary_color: "#0b6e4f",
    accent_color: "#f4f7f6", avatar_url: "" };
  let ws = null, retry = 0, refused = 0, timer = 0, rendered = 0, connecting = false;
  const bubbles = new Map();

  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  };
  const icon = (d) => {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
    return svg;
  };

  // -- the DOM, in a shadow root so the host page's styles cannot reach it ------------------
  const host = el("div");
  host.setAttribute("data-careline", "");
  const root = host.attachShadow({ mode: "open" });
  const css = el("link");
  css.rel = "stylesheet";
  css.href = base + "/widget/careline.css";
  const shell = el("div", "cl");
  shell.hidden = true;
  css.onload = css.onerror = () => { shell.hidden = false; };
  const launcher = el("button", "cl-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "cl-panel");
  launcher.appendChild(icon("M4 4h16v12H7l-3 3z"));
  const panel = el("section", "cl-panel");
  panel.id = "cl-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-labelledby", "cl-title");
  const header = el("header", "cl-header");
  const avatar = el("img", "cl-avatar");
  avatar.alt = "";
  avatar.hidden = true;
  const titles = el("div", "cl-titles");
  const title = el("h2", "cl-title");
  title.id = "cl-title";
  const status = el("p", "cl-status");
  status.setAttribute("role", "status");
  const close = el("button", "cl-close");
  close.type = "button";
  close.setAttribute("aria-label", "Close the chat");
  close.appendChild(icon("M6 6l12 12M18 6L6 18"));
  titles.append(title, status);
  header.append(avatar, titles, close);
  const log = el("div", "cl-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "Conversation");
  log.tabIndex = 0;
  const options = el("div", "cl-options");
  options.setAttribute("role", "group");
  options.setAttribute("aria-label", "Choose an answer");
  const form = el("form", "cl-form");
  const label = el("label", "cl-sr", "Your message");
  label.htmlFor = "cl-input";
  const input = el("textarea", "cl-input");
  input.id = "cl-input";
  input.rows = 1;
  input.maxLength = 2000;
  input.placeholder = "Type your message";
  const send = el("button", "cl-send");
  send.type = "submit";
  send.setAttribute("aria-label", "Send");
  send.appendChild(icon("M3 20l18-8L3 4v6l12 2-12 2z"));
  form.append(label, input, send);
  panel.append(header, log, options, form);
  shell.append(panel, launcher);
  root.append(css, shell);

  // -- rendering -----------------------------------------------------------------------------
  const split = (text) => {
    // A bot message may end with its choices as numbered lines: "1. Book", "2. Ask a nurse".
    const lines = text.split("\n");
    let i = lines.length;
    while (i > 0 && OPTION.test(lines[i - 1])) i--;
    const tail = lines.slice(i).map((l) => OPTION.exec(l));
    if (!tail.length || tail.some((m, n) => +m[1] !== n + 1)) return [text, []];
    return [lines.slice(0, i).join("\n").trim(), tail.map((m) => m[2])];
  };
  const who = (sender) => sender === "patient" ? "You" : sender === "staff" ? "Staff" : cfg.name;
  const bubble = (sender, text) => {
    const item = el("div", "cl-msg cl-" + sender);
    item.appendChild(el("span", "cl-sr", who(sender) + ": "));
    item.appendChild(el("p", "", text));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  };
  const showOptions = (labels) => {
    options.replaceChildren();
    labels.forEach((text) => {
      const b = el("button", "cl-option", text);
      b.type = "button";
      b.addEventListener("click", () => submit(text));
      options.appendChild(b);
    });
    log.scrollTop = log.scrollHeight;  // the buttons take room: keep the question in view
  };
  const botSays = (sender, text) => {
    const [body, choices] = sender === "bot" ? split(text) : [text, []];
    const item = bubble(sender, body || text);
    showOptions(choices);
    return item;
  };
  const greeting = bubble("bot", "");
  const welcome = () => {
    // The welcome prompt is the organisation's, shown before any frame; it is not a message.
    greeting.lastChild.textContent = cfg.welcome_prompt || "Hello! How can we help?";
    greeting.firstChild.textContent = cfg.name + ": ";
    if (!rendered) showOptions(cfg.options || []);
  };
  const setStatus = (text) => { status.textContent = text; };

  const theme = () => {
    const primary = HEX.test(cfg.primary_color) ? cfg.primary_color : "#0b6e4f";
    shell.style.setProperty("--cl-primary", primary);
    if (HEX.test(cfg.accent_color)) shell.style.setProperty("--cl-accent", cfg.accent_color);
    const n = parseInt(primary.slice(1), 16);
    const lum = 0.2126 * (n >> 16) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255);
    shell.style.setProperty("--cl-on-primary", lum > 150 ? "#111" : "#fff");
    title.textContent = cfg.name;
    launcher.setAttribute("aria-label", "Chat with " + cfg.name);
    if (cfg.avatar_url) { avatar.src = cfg.avatar_url; avatar.hidden = false; } else avatar.hidden = true;
    welcome();
  };

  // -- the connection --------------------------------------------------------------------------
  const session = async () => {
    if (st.token && st.expires * 1000 > Date.now() + 60000) return;
    const url = base + "/widget/session?key=" + encodeURIComponent(key) +
      (st.token ? "&token=" + encodeURIComponent(st.token) : "");
    const res = await fetch(url, { method: "POST" });
    if (!res.ok) throw new Error("session " + res.status);
    const body = await res.json();
    st.token = body.token;
    st.expires = body.expires_at;
    save();
  };
  const frame = (f) => {
    if (f.type === "message") {
      if (f.seq <= rendered) return;
      rendered = f.seq;
      const mine = f.id && bubbles.get(f.id);
      if (f.sender === "patient" && mine) {
        mine.classList.remove("cl-sending");
        bubbles.delete(f.id);
      } else {
        botSays(f.sender, f.text);
      }
      if (f.sender === "patient") st.pending = st.pending.filter((p) => p.id !== f.id);
      save();
    } else if (f.type === "ack") {
      const mine = bubbles.get(f.id);
      if (mine) mine.classList.remove("cl-sending");
      st.pending = st.pending.filter((p) => p.id !== f.id);
      save();
    } else if (f.type === "error") {
      const mine = f.id && bubbles.get(f.id);
      if (f.code === "rate_limited" || f.code === "busy" || f.code === "internal") {
        setTimeout(flush, 1500);
      } else if (mine) {
        st.pending = st.pending.filter((p) => p.id !== f.id);
        mine.classList.add("cl-failed");
        mine.appendChild(el("span", "cl-note", f.message || "Not sent"));
        save();
      }
    } else if (f.type === "gap") {
      log.appendChild(el("p", "cl-note", "Some earlier messages are no longer available."));
    }
  };
  const flush = () => {
    if (!ws || ws.readyState !== 1) return;
    st.pending.forEach((p) => ws.send(JSON.stringify({ type: "message", id: p.id, text: p.text })));
  };
  const connect = async () => {
    if (connecting || (ws && ws.readyState <= 1)) return;
    connecting = true;
    clearTimeout(timer);
    setStatus("Connecting…");
    try {
      await session();
      const url = base.replace(/^http/, "ws") + "/widget/ws?token=" +
        encodeURIComponent(st.token) + "&last_seq=" + rendered;
      const sock = new WebSocket(url);
      let opened = false;
      sock.onopen = () => { opened = true; retry = refused = 0; setStatus("Online"); flush(); };
      sock.onmessage = (e) => { try { frame(JSON.parse(e.data)); } catch (err) { /* not a frame */ } };
      sock.onclose = () => {
        if (ws === sock) ws = null;
        // A token the server keeps refusing is replaced by a new session.
        if (!opened && ++refused >= 3) { st.token = ""; refused = 0; }
        setStatus("Reconnecting…");
        later();
      };
      ws = sock;
    } catch (err) {
      setStatus("Offline, retrying…");
      if (++refused >= 3) { st.token = ""; refused = 0; }
      later();
    } finally {
      connecting = false;
    }
  };
  const later = () => {
    clearTimeout(timer);
    const wait = Math.min(15000, 500 * 2 ** Math.min(retry++, 5)) * (0.75 + Math.random() / 2);
    timer = setTimeout(connect, wait);
  };

  const submit = (raw) => {
    const text = raw.trim();
    if (!text) return;
    const id = "m" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    st.pending.push({ id, text: text.slice(0, 2000) });
    save();
    const item = bubble("patient", text);
    item.classList.add("cl-sending");
    bubbles.set(id, item);
    showOptions([]);
    if (ws && ws.readyState === 1) flush(); else connect();
  };

  // -- opening and closing -----------------------------------------------------------------
  const show = (open) => {
    st.open = open;
    save();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    shell.classList.toggle("cl-is-open", open);
    if (open) { connect(); input.focus(); log.scrollTop = log.scrollHeight; } else launcher.focus();
  };
  launcher.addEventListener("click", () => show(panel.hidden));
  close.addEventListener("click", () => show(false));
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") show(false); });
  form.addEventListener("submit", (e) => { e.preventDefault(); submit(input.value); input.value = ""; input.focus(); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });

  window.Careline = {
    open: () => show(true),
    close: () => show(false),
    /** Preview only: apply settings (name, colours, welcome, avatar) without saving them. */
    configure: (next) => { cfg = Object.assign({}, cfg, next); theme(); },
  };
  (document.body || document.documentElement).appendChild(host);
  fetch(base + "/widget/config/" + encodeURIComponent(key))
    .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
    .then((c) => { cfg = Object.assign(cfg, c); theme(); if (st.token) connect(); if (st.open) show(true); })
    .catch(() => { theme(); });
})();
