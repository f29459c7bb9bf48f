// A patient reads a secure message: choose a contact, enter the code, read.
const $ = (id) => document.getElementById(id);
const base = location.pathname.replace(/\/$/, "");

function show(step) {
  for (const id of ["step-contact", "step-code", "step-read"]) $(id).hidden = id !== step;
}

function problem(text) {
  $("problem").textContent = text;
  $("problem").hidden = !text;
}

async function call(path, body) {
  const response = await fetch(base + path, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || "Something went wrong.");
  return data;
}

async function read() {
  const message = await call("/message");
  $("org").textContent = message.organization;
  $("sent-at").textContent = `Sent ${new Date(message.sent_at).toLocaleString()}`;
  const body = $("body");
  body.textContent = "";
  for (const paragraph of message.body.split(/\n{2,}/)) {
    const p = document.createElement("p");
    p.textContent = paragraph;
    body.append(p);
  }
  $("files-title").hidden = message.attachments.length === 0;
  for (const file of message.attachments) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `${base}/attachments/${encodeURIComponent(file.id)}`;
    a.textContent = `${file.filename} (${Math.ceil(file.size / 1024)} KB)`;
    li.append(a);
    $("files").append(li);
  }
  show("step-read");
}

async function sendCode() {
  problem("");
  const chosen = document.querySelector("input[name=contact]:checked");
  try {
    const result = await call("/code", { contact: Number(chosen ? chosen.value : 0) });
    $("code-sent").textContent = `We sent a code to ${result.sent_to}. It is valid for 10 minutes.`;
    show("step-code");
    $("code").focus();
  } catch (error) {
    problem(error.message);
  }
}

async function start() {
  let info;
  try {
    info = await call("/info");
  } catch (error) {
    problem(error.message);
    return;
  }
  $("org").textContent = info.organization;
  if (info.signed_in) {
    await read();
    return;
  }
  const contacts = $("contacts");
  info.contacts.forEach((contact, index) => {
    const id = `contact-${index}`;
    const input = Object.assign(document.createElement("input"), {
      type: "radio", name: "contact", id, value: String(contact.index), checked: index === 0,
    });
    const label = Object.assign(document.createElement("label"), {
      htmlFor: id, className: "check", textContent: ` ${contact.kind === "email" ? "Email" : "Text"} ${contact.masked}`,
    });
    label.prepend(input);
    contacts.append(label);
  });
  show("step-contact");
}

$("send-code").addEventListener("click", sendCode);
$("resend").addEventListener("click", () => show("step-contact"));
$("code-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  problem("");
  try {
    await call("/verify", { code: $("code").value });
    await read();
  } catch (error) {
    problem(error.message);
  }
});
start();
