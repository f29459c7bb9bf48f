// Careline simulator page: plain JavaScript, no framework. Every text is set with textContent,
// never as HTML, so nothing a patient or the clinic writes can run as markup.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const state = { phone: null, source: null, seen: new Set() };

  function setStatus(text) { $("status").textContent = text; }

  function addLine(line) {
    if (state.seen.has(line.id)) return;
    state.seen.add(line.id);
    const item = document.createElement("li");
    item.className = line.direction === "from_phone" ? "from_phone" : "to_phone";
    const meta = document.createElement("span");
    meta.className = "meta";
    const who = line.direction === "from_phone" ? "You" : "Clinic";
    const kind = line.channel === "voice" ? " (call)" : "";
    meta.textContent = who + kind + " · " + new Date(line.created_at).toLocaleTimeString();
    const body = document.createElement("span");
    body.textContent = line.body;
    item.append(meta, body);
    $("screen").append(item);
    $("screen").scrollTop = $("screen").scrollHeight;
  }

  async function api(path, options) {
    const response = await fetch("/simulator/api" + path, options);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.message || ("HTTP " + response.status));
    return data;
  }

  async function loadConfig() {
    const data = await api("/config");
    const numbers = $("careline-number");
    const patients = $("demo-patient");
    for (const org of data.organizations) {
      const option = new Option(org.name + " " + org.number, org.number);
      numbers.append(option);
      for (const p of org.patients) patients.append(new Option(p.name + " " + p.phone, p.phone));
    }
    if (!data.organizations.length) setStatus("No clinic yet: load the demo data first.");
  }

  async function usePhone(phone) {
    state.phone = phone;
    state.seen.clear();
    $("screen").replaceChildren();
    $("screen-number").textContent = phone;
    if (state.source) state.source.close();
    const path = "/phones/" + encodeURIComponent(phone);
    state.source = new EventSource("/simulator/api" + path + "/live");
    state.source.addEventListener("line", (event) => addLine(JSON.parse(event.data)));
    const data = await api(path + "/lines");
    data.lines.forEach(addLine);
    for (const el of document.querySelectorAll("#send-form textarea, #send-form button")) {
      el.disabled = false;
    }
    setStatus("Texting as " + phone + ".");
    $("text").focus();
  }

  async function send(text, channel) {
    const body = { text, channel, to: $("careline-number").value || undefined,
                   id: crypto.randomUUID().replaceAll("-", "") };
    try {
      const data = await api("/phones/" + encodeURIComponent(state.phone) + "/lines", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      data.lines.forEach(addLine);
    } catch (error) {
      setStatus("Not sent: " + error.message);
    }
  }

  $("demo-patient").addEventListener("change", (e) => { $("phone").value = e.target.value; });
  $("phone-form").addEventListener("submit", (e) => {
    e.preventDefault();
    usePhone($("phone").value.trim()).catch((error) => setStatus(error.message));
  });
  $("send-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    $("text").value = "";
    send(text, "sms");
  });
  $("text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("send").click(); }
  });
  for (const key of document.querySelectorAll(".keypad button")) {
    key.addEventListener("click", () => send(key.dataset.key, "voice"));
  }
  loadConfig().catch((error) => setStatus(error.message));
})();
