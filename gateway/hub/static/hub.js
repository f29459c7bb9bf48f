// The Hub inbox: queues, a chat with its messages and notes, the composer, live updates.
import { api, ApiError, h, clear, when, ago, setCsrf } from "/hub/static/api.js";
import { renderPanel } from "/hub/static/panel.js";

const $ = (id) => document.getElementById(id);

const QUEUE_TITLES = { unassigned: "Unassigned", mine: "Mine", others: "Others", closed: "Closed" };

const state = {
  session: null,
  directory: null,
  queue: "unassigned",
  filters: { q: "", facility_id: "", group_id: "", user_id: "" },
  chats: [],
  selected: new Set(),
  current: null,
  mode: "reply",
  shortcuts: [],
  library: [],
  seenMessages: new Set(),
  panelShows: "",
};

// -- helpers ---------------------------------------------------------------------------------

function announce(text) {
  const node = $("announcer");
  node.textContent = "";
  // A fresh text node makes screen readers speak the same words twice in a row too.
  setTimeout(() => { node.textContent = text; }, 30);
}

function userName(id) {
  if (!id) return "Careline";
  const user = state.directory.users.find((u) => u.id === id);
  return user ? user.name : "Careline";
}

function facilityName(id) {
  if (!id) return "no facility";
  const facility = state.directory.facilities.find((f) => f.id === id);
  return facility ? facility.name : "another facility";
}

function chatTitle(chat) {
  if (!chat.patient) return `Unknown sender ${chat.patient_address}`;
  if (chat.patient.placeholder) return `Unknown sender · ${chat.patient.temporary_id || ""}`;
  return chat.patient.name;
}

function showError(node, error) {
  node.textContent = error instanceof ApiError ? error.message : "Something went wrong.";
  node.hidden = false;
}

function options(select, items, { blank } = {}) {
  clear(select);
  if (blank !== undefined) select.append(h("option", { value: "" }, blank));
  for (const [value, label] of items) select.append(h("option", { value }, label));
}

// -- start -----------------------------------------------------------------------------------

async function start() {
  try {
    state.session = await api("/api/session");
  } catch {
    location.assign("/hub/login?next=/hub");
    return;
  }
  setCsrf(state.session.csrf_token);
  state.directory = await api("/api/directory");
  $("user-name").textContent = state.session.user.name;
  $("org-name").textContent = state.directory.organization.name;
  fillFilters();
  await Promise.all([loadShortcuts(), loadList(), loadNotifications()]);
  bindEvents();
  connectLive();
}

function fillFilters() {
  const { facilities, groups, users } = state.directory;
  options($("filter-facility"), facilities.map((f) => [f.id, f.name]), { blank: "All my facilities" });
  options($("filter-group"), groups.map((g) => [g.id, g.name]), { blank: "Any group" });
  options($("filter-user"), users.filter((u) => u.active).map((u) => [u.id, u.name]), { blank: "Anyone" });
  options($("composer-squiggly"), state.directory.squigglies.map((s) => [s, `{{ ${s} }}`]),
    { blank: "Personalise…" });
  options($("composer-mention"), [
    ...users.filter((u) => u.active).map((u) => [u.handle, `@${u.handle} (${u.name})`]),
    ...groups.map((g) => [g.handle, `@${g.handle} (group)`]),
  ], { blank: "@someone…" });
}

async function loadShortcuts() {
  const shortcuts = await api("/api/shortcuts").catch(() => ({ items: [] }));
  state.shortcuts = shortcuts.items;
  // The reminders part's message library, when it is installed.
  const library = await api("/api/message-library").catch(() => ({ items: [] }));
  state.library = library.items || [];
  const select = $("composer-shortcut");
  clear(select).append(h("option", { value: "" }, "Saved answer…"));
  for (const s of state.shortcuts) {
    select.append(h("option", { value: `s:${s.id}` }, `/${s.shortcut} — ${s.title}`));
  }
  for (const item of state.library) {
    select.append(h("option", { value: `l:${item.id}` }, `Library — ${item.title}`));
  }
}

// -- queue list ------------------------------------------------------------------------------

function listQuery() {
  const params = new URLSearchParams({ queue: state.queue, limit: "100" });
  for (const [key, value] of Object.entries(state.filters)) if (value) params.set(key, value);
  return params.toString();
}

async function loadList() {
  const data = await api(`/api/conversations?${listQuery()}`);
  state.chats = data.items;
  for (const [queue, count] of Object.entries(data.counts)) {
    const node = document.querySelector(`[data-count="${queue}"]`);
    if (node) node.textContent = String(count);
  }
  const visible = new Set(state.chats.map((c) => c.id));
  for (const id of [...state.selected]) if (!visible.has(id)) state.selected.delete(id);
  renderList();
}

function renderList() {
  const list = clear($("chats"));
  $("list-title").textContent = QUEUE_TITLES[state.queue];
  $("chats-empty").hidden = state.chats.length > 0;
  for (const chat of state.chats) {
    const title = chatTitle(chat);
    const checkbox = h("input", {
      type: "checkbox", "aria-label": `Select chat with ${title}`,
      checked: state.selected.has(chat.id),
      onchange: (event) => {
        if (event.target.checked) state.selected.add(chat.id); else state.selected.delete(chat.id);
        updateBulk();
      },
    });
    const open = h("button", {
      type: "button", class: "chat-open", "aria-current": state.current?.id === chat.id ? "true" : null,
      onclick: () => openChat(chat.id),
    },
    h("span", { class: "chat-line" },
      chat.unread ? h("span", { class: "dot", "aria-label": "unread" }) : null,
      h("strong", { class: "chat-name" }, title),
      h("time", { class: "muted", datetime: chat.last_message_at || chat.created_at },
        ago(chat.last_message_at || chat.created_at))),
    h("span", { class: "chat-preview" }, chat.preview || "No messages yet"),
    h("span", { class: "chat-tags" },
      h("span", { class: "tag" }, facilityName(chat.facility_id)),
      chat.assignee_id ? h("span", { class: "tag" }, userName(chat.assignee_id)) : null));
    list.append(h("li", { class: chat.unread ? "chat unread" : "chat", dataset: { id: chat.id } },
      checkbox, open));
  }
  updateBulk();
}

function updateBulk() {
  const count = state.selected.size;
  $("bulk-close").disabled = count === 0;
  $("bulk-unread").disabled = count === 0;
  $("select-all").checked = count > 0 && count === state.chats.length;
}

async function bulk(action) {
  const ids = [...state.selected];
  if (!ids.length) return;
  const result = await api("/api/conversations/bulk", { method: "POST", json: { ids, action } });
  state.selected.clear();
  announce(`${result.updated.length} chats updated.`);
  await loadList();
  if (state.current && result.updated.includes(state.current.id)) await openChat(state.current.id, { keepFocus: true });
}

// -- one chat --------------------------------------------------------------------------------

async function openChat(id, { keepFocus = false, forcePanel = false } = {}) {
  let detail;
  try {
    detail = await api(`/api/conversations/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      state.current = null;
      $("thread-body").hidden = true;
      $("thread-empty").hidden = false;
      return;
    }
    throw error;
  }
  const first = !state.current || state.current.id !== id;
  if (first) $("thread-filter").value = "";
  state.current = detail;
  if (first) state.seenMessages = new Set(detail.messages.map((m) => m.id));
  renderThread(first);
  if (detail.unread) {
    await api(`/api/conversations/${encodeURIComponent(id)}/read`, { method: "POST", json: { unread: false } });
    state.current.unread = false;
    const row = state.chats.find((c) => c.id === id);
    if (row) row.unread = false;
  }
  renderList();
  // Live refreshes keep the panel (and whatever is typed in it) unless what it shows changed.
  const shown = JSON.stringify([detail.id, detail.patient_id, detail.identity, detail.secure_messages]);
  if (first || forcePanel || shown !== state.panelShows) {
    state.panelShows = shown;
    renderPanel(detail, state, { reload: () => openChat(id, { keepFocus: true, forcePanel: true }) });
  }
  if (first && !keepFocus) $("composer-text").focus();
}

function renderThread(first) {
  const chat = state.current;
  $("thread-empty").hidden = true;
  $("thread-body").hidden = false;
  $("thread-title").textContent = chatTitle(chat);
  $("thread-meta").textContent = [
    chat.patient_address, facilityName(chat.facility_id),
    chat.status === "closed" ? "Closed" : (chat.assignee_id ? `Assigned to ${userName(chat.assignee_id)}` : "Unassigned"),
  ].join(" · ");
  const times = [
    ["Assigned", chat.assigned_at], ["Reassigned", chat.reassigned_at],
    ["Closed", chat.closed_at], ["Reopened", chat.reopened_at],
  ].filter(([, value]) => value).map(([label, value]) => `${label} ${when(value)}`);
  $("thread-times").textContent = times.join(" · ");
  const closed = chat.status === "closed";
  const close = $("close-chat");
  close.textContent = closed ? "Reopen chat" : "Close chat";
  close.classList.toggle("danger", !closed);
  const assignees = state.directory.users.filter((u) => u.active);
  options($("assignee"), assignees.map((u) => [u.id, u.name]), { blank: "Nobody (Unassigned)" });
  $("assignee").value = chat.assignee_id || "";
  $("triage").hidden = Boolean(chat.facility_id);
  options($("triage-facility"), state.directory.facilities.map((f) => [f.id, f.name]));
  fillComposerFacility();
  renderMessages(first);
}

function renderMessages(first) {
  const chat = state.current;
  const items = [
    ...chat.messages.map((m) => ({ kind: "message", at: m.created_at, item: m })),
    ...chat.notes.map((n) => ({ kind: "note", at: n.created_at, item: n })),
    ...chat.pending.map((p) => ({ kind: "pending", at: p.created_at, item: p })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const list = clear($("messages"));
  const fresh = [];
  const wanted = $("thread-filter").value.trim().toLowerCase();
  for (const { kind, item } of items) {
    if (wanted && !item.body.toLowerCase().includes(wanted)) continue;
    if (kind === "note") {
      list.append(h("li", { class: "bubble note" },
        h("span", { class: "who" }, `Internal note · ${userName(item.author_id)}`),
        h("p", {}, item.body),
        h("time", { class: "muted", datetime: item.created_at }, when(item.created_at))));
      continue;
    }
    const inbound = kind === "message" && item.direction === "inbound";
    const who = inbound ? chatTitle(chat) : `${userName(item.author_id)}${item.facility_id ? ` · ${facilityName(item.facility_id)}` : ""}`;
    const status = kind === "pending" ? `sending (${item.state})` : (inbound ? "" : item.status);
    list.append(h("li", { class: `bubble ${inbound ? "in" : "out"}${kind === "pending" ? " pending" : ""}` },
      h("span", { class: "who" }, who),
      h("p", {}, item.body),
      h("time", { class: "muted", datetime: item.created_at }, when(item.created_at)),
      status ? h("span", { class: "status muted" }, ` · ${status}`) : null));
  }
  for (const item of chat.messages) {
    if (item.direction === "inbound" && !state.seenMessages.has(item.id)) fresh.push(item);
    state.seenMessages.add(item.id);
  }
  if (!first && fresh.length) {
    announce(`New message from ${chatTitle(chat)}: ${fresh[fresh.length - 1].body}`);
  }
  list.scrollTop = list.scrollHeight;
}

async function chatAction(path, json) {
  const id = state.current.id;
  await api(`/api/conversations/${encodeURIComponent(id)}/${path}`, { method: "POST", json: json || {} });
  await Promise.all([loadList(), openChat(id, { keepFocus: true })]);
}

// -- composer --------------------------------------------------------------------------------

function fillComposerFacility() {
  const select = $("composer-facility");
  const facilities = state.directory.facilities;
  const required = state.directory.settings.require_facility;
  options(select, facilities.map((f) => [f.id, f.name]), required ? {} : { blank: "No facility" });
  const preferred = state.current?.facility_id;
  if (preferred && facilities.some((f) => f.id === preferred)) select.value = preferred;
}

function setMode(mode) {
  state.mode = mode;
  for (const tab of document.querySelectorAll("#composer [role=tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.mode === mode));
  }
  $("composer-label").textContent = {
    reply: "Message to the patient", note: "Internal note (patients never see it)",
    secure: "Secure message (the patient gets a link and a code)",
  }[mode];
  $("facility-field").hidden = mode === "note";
  $("shortcut-field").hidden = mode === "note";
  $("squiggly-field").hidden = mode !== "reply";
  $("mention-field").hidden = mode !== "note";
  $("files-field").hidden = mode !== "secure";
  $("composer").classList.toggle("note-mode", mode === "note");
  $("send").textContent = mode === "note" ? "Add note" : "Send";
  $("composer-text").focus();
}

function insertText(text) {
  const area = $("composer-text");
  const start = area.selectionStart ?? area.value.length;
  const end = area.selectionEnd ?? area.value.length;
  area.value = area.value.slice(0, start) + text + area.value.slice(end);
  area.selectionStart = area.selectionEnd = start + text.length;
  area.focus();
}

function expandShortcut() {
  const area = $("composer-text");
  const before = area.value.slice(0, area.selectionStart);
  const match = before.match(/(^|\s)\/([a-z0-9_-]+)$/);
  if (!match) return false;
  const found = state.shortcuts.find((s) => s.shortcut === match[2]);
  if (!found) return false;
  const startAt = before.length - match[2].length - 1;
  area.value = area.value.slice(0, startAt) + found.body + area.value.slice(area.selectionStart);
  area.selectionStart = area.selectionEnd = startAt + found.body.length;
  return true;
}

async function send(event) {
  event.preventDefault();
  const error = $("composer-error");
  error.hidden = true;
  const text = $("composer-text").value.trim();
  if (!text || !state.current) return;
  const id = encodeURIComponent(state.current.id);
  const facility = $("composer-facility").value || null;
  const button = $("send");
  button.disabled = true;
  try {
    if (state.mode === "note") {
      const note = await api(`/api/conversations/${id}/notes`, { method: "POST", json: { body: text } });
      if (note.unreachable_user_ids.length) {
        error.textContent = `Not notified (no access to this facility): ${note.unreachable_user_ids.map(userName).join(", ")}`;
        error.hidden = false;
      }
      announce("Note added.");
    } else if (state.mode === "secure") {
      const form = new FormData();
      form.append("body", text);
      if (facility) form.append("facility_id", facility);
      for (const file of $("composer-files").files) form.append("attachments", file, file.name);
      await api(`/api/conversations/${id}/secure-messages`, { method: "POST", form });
      $("composer-files").value = "";
      announce("Secure message sent.");
    } else {
      await api(`/api/conversations/${id}/messages`, { method: "POST", json: { body: text, facility_id: facility } });
      announce("Message queued.");
    }
    $("composer-text").value = "";
    await Promise.all([loadList(), openChat(state.current.id, { keepFocus: true })]);
  } catch (failure) {
    showError(error, failure);
  } finally {
    button.disabled = false;
    $("composer-text").focus();
  }
}

// -- notifications ---------------------------------------------------------------------------

async function loadNotifications() {
  const data = await api("/api/notifications");
  const badge = $("notifications-count");
  badge.textContent = String(data.unread);
  badge.hidden = data.unread === 0;
  $("notifications-button").setAttribute("aria-label", `Notifications, ${data.unread} unread`);
  const list = clear($("notifications-list"));
  if (!data.items.length) list.append(h("li", { class: "muted" }, "Nothing yet."));
  for (const item of data.items) {
    list.append(h("li", { class: item.read_at ? "" : "unread" },
      h("button", {
        type: "button", class: "link",
        onclick: async () => {
          await api("/api/notifications/read", { method: "POST", json: { ids: [item.id] } });
          toggleNotifications(false);
          await loadNotifications();
          if (item.conversation_id) await openChat(item.conversation_id);
        },
      }, `${item.actor_name || "Someone"} mentioned you`),
      h("time", { class: "muted", datetime: item.created_at }, ` ${ago(item.created_at)}`)));
  }
}

function toggleNotifications(open) {
  const panel = $("notifications-panel");
  const show = open ?? panel.hidden;
  panel.hidden = !show;
  $("notifications-button").setAttribute("aria-expanded", String(show));
  if (show) panel.querySelector("button")?.focus();
}

// -- live updates ----------------------------------------------------------------------------

let refreshTimer = null;

function scheduleRefresh(conversationId) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    await loadList();
    if (state.current && (!conversationId || conversationId === state.current.id)) {
      await openChat(state.current.id, { keepFocus: true });
    }
  }, 150);
}

function connectLive() {
  const status = $("live-status");
  const source = new EventSource("/api/events");
  source.addEventListener("ready", () => { status.textContent = "live"; status.classList.add("on"); });
  source.addEventListener("conversation", (event) => {
    const data = JSON.parse(event.data);
    scheduleRefresh(data.conversation_id);
  });
  source.addEventListener("notification", async () => {
    await loadNotifications();
    announce("You were mentioned in a note.");
  });
  source.onerror = () => { status.textContent = "reconnecting…"; status.classList.remove("on"); };
}

// -- events ----------------------------------------------------------------------------------

function bindEvents() {
  for (const button of document.querySelectorAll("#queues button")) {
    button.addEventListener("click", async () => {
      state.queue = button.dataset.queue;
      for (const other of document.querySelectorAll("#queues button")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      state.selected.clear();
      await loadList();
    });
  }
  let typing = null;
  $("filters").addEventListener("input", (event) => {
    const { name, value } = event.target;
    state.filters[name] = value;
    clearTimeout(typing);
    typing = setTimeout(loadList, name === "q" ? 250 : 0);
  });
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("select-all").addEventListener("change", (event) => {
    state.selected = new Set(event.target.checked ? state.chats.map((c) => c.id) : []);
    renderList();
  });
  $("bulk-close").addEventListener("click", () => bulk("close"));
  $("bulk-unread").addEventListener("click", () => bulk("mark_unread"));
  $("assign").addEventListener("click", () => chatAction("assign", { assignee_id: $("assignee").value || null }));
  $("assign-me").addEventListener("click", () => chatAction("assign", { assignee_id: state.session.user.id }));
  $("assign-last").addEventListener("click", async () => {
    try {
      await chatAction("assign", { last_sender: true });
    } catch (error) {
      announce(error.message);
    }
  });
  $("close-chat").addEventListener("click", () => chatAction(state.current.status === "closed" ? "reopen" : "close"));
  $("triage-set").addEventListener("click", async () => {
    await api(`/api/conversations/${encodeURIComponent(state.current.id)}`, {
      method: "PATCH", json: { facility_id: $("triage-facility").value },
    });
    await Promise.all([loadList(), openChat(state.current.id, { keepFocus: true })]);
  });
  for (const tab of document.querySelectorAll("#composer [role=tab]")) {
    tab.addEventListener("click", () => setMode(tab.dataset.mode));
  }
  $("composer").addEventListener("submit", send);
  $("thread-filter").addEventListener("input", () => renderMessages(false));
  $("composer-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      $("composer").requestSubmit();
    } else if (event.key === "Tab" && !event.shiftKey && state.mode !== "note" && expandShortcut()) {
      event.preventDefault();
    }
  });
  $("composer-shortcut").addEventListener("change", (event) => {
    const [kind, id] = event.target.value.split(":");
    const source = kind === "s" ? state.shortcuts : state.library;
    const found = source.find((item) => item.id === id);
    if (found) insertText(found.body);
    event.target.value = "";
  });
  $("composer-squiggly").addEventListener("change", (event) => {
    if (event.target.value) insertText(`{{ ${event.target.value} }}`);
    event.target.value = "";
  });
  $("composer-mention").addEventListener("change", (event) => {
    if (event.target.value) insertText(`@${event.target.value} `);
    event.target.value = "";
  });
  $("notifications-button").addEventListener("click", () => toggleNotifications());
  $("notifications-read").addEventListener("click", async () => {
    await api("/api/notifications/read", { method: "POST", json: {} });
    await loadNotifications();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("notifications-panel").hidden) {
      toggleNotifications(false);
      $("notifications-button").focus();
    }
    const typingInField = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
    if (event.key === "/" && !typingInField) {
      event.preventDefault();
      $("filter-q").focus();
    }
  });
  $("sign-out").addEventListener("click", async () => {
    await api("/api/session", { method: "DELETE" }).catch(() => null);
    location.assign("/hub/login");
  });
}

start();
