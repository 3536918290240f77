// The chat room client: one websocket, reconnecting with back-off, catching up on
// what it missed by message id. User text is only ever set as textContent.

const config = JSON.parse(document.getElementById("chat-config").textContent);
const list = document.getElementById("chat-messages");
const empty = document.getElementById("chat-empty");
const status = document.getElementById("chat-status");
const errorBox = document.getElementById("chat-error");
const form = document.getElementById("chat-form");
const input = document.getElementById("chat-input");
const olderButton = document.getElementById("chat-older");
const online = document.getElementById("chat-online");
const onlineCount = document.getElementById("chat-online-count");

// The badge of a course team's member: the role in words (never colour alone).
const ROLE_LABELS = { owner: "Owner", instructor: "Instructor", assistant: "Assistant" };
const REFUSED = { 4403: "You may not join this room.", 4404: "This room does not exist." };
const MAX_DELAY = 30000;

const seen = new Set();
let firstId = config.firstId;
let lastId = config.lastId;
let socket = null;
let delay = 1000;
let reconnectTimer = null;
const members = new Map();

for (const item of list.children) {
  seen.add(Number(item.dataset.id));
  localiseTime(item.querySelector("time"));
}

function localiseTime(element) {
  const when = new Date(element.dateTime);
  element.textContent = when.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
  element.title = when.toISOString();
}

function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
  form.querySelector("button").disabled = state !== "online";
}

function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = !text;
}

function renderMessage(message) {
  const item = document.createElement("li");
  item.className = "chat-message";
  if (message.user === config.username) item.classList.add("chat-message--own");
  item.dataset.id = String(message.id);
  const author = document.createElement("span");
  author.className = "chat-author";
  author.textContent = message.user;
  const parts = [author];
  if (Object.hasOwn(ROLE_LABELS, message.role ?? "")) {
    const badge = document.createElement("span");
    badge.className = `chat-badge chat-badge--${message.role}`;
    badge.textContent = ROLE_LABELS[message.role];
    parts.push(" ", badge);
  }
  const time = document.createElement("time");
  time.className = "chat-time";
  time.dateTime = message.datetime;
  localiseTime(time);
  const text = document.createElement("p");
  text.className = "chat-text";
  text.textContent = message.message;
  item.append(...parts, " ", time, text);
  return item;
}

// Messages stay ordered by id whatever order they arrive in (live, catch-up, older).
function insertMessage(message) {
  if (seen.has(message.id)) return;
  seen.add(message.id);
  const item = renderMessage(message);
  let next = null;
  for (let node = list.lastElementChild; node; node = node.previousElementSibling) {
    if (Number(node.dataset.id) < message.id) break;
    next = node;
  }
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.insertBefore(item, next);
  if (next === null && atBottom) list.scrollTop = list.scrollHeight;
  if (lastId === null || message.id > lastId) lastId = message.id;
  if (firstId === null || message.id < firstId) firstId = message.id;
  empty.hidden = true;
}

function renderMembers() {
  const sorted = [...members.values()].sort((a, b) => a.name.localeCompare(b.name));
  online.replaceChildren(
    ...sorted.map((member) => {
      const item = document.createElement("li");
      item.textContent = member.name;
      if (member.name === config.username) item.className = "chat-me";
      return item;
    }),
  );
  onlineCount.textContent = String(sorted.length);
}

function send(frame) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

function catchUp() {
  if (lastId === null) send({ type: "history" });
  else send({ type: "history", after: lastId });
}

function handle(frame) {
  if (frame.error) {
    showError(frame.error);
    return;
  }
  if (frame.type === "chat_message") {
    insertMessage(frame);
  } else if (frame.type === "history") {
    const fromBottom = list.scrollHeight - list.scrollTop;
    frame.messages.forEach(insertMessage);
    if ("before" in frame) list.scrollTop = list.scrollHeight - fromBottom;
    if ("after" in frame) {
      if (frame.has_more) catchUp();
    } else {
      olderButton.hidden = !frame.has_more;
      olderButton.disabled = false;
    }
  } else if (frame.type === "presence") {
    if (frame.users) {
      members.clear();
      frame.users.forEach((member) => members.set(member.id, member));
    }
    if (frame.joined) members.set(frame.joined.id, frame.joined);
    if (frame.left) members.delete(frame.left.id);
    renderMembers();
  }
}

function connect() {
  clearTimeout(reconnectTimer);
  setStatus("connecting", "Connecting…");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}${config.socketPath}`);
  socket.addEventListener("open", () => {
    delay = 1000;
    setStatus("online", "Online");
    catchUp();
  });
  socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
  socket.addEventListener("close", (event) => {
    members.clear();
    renderMembers();
    if (REFUSED[event.code]) {
      setStatus("refused", REFUSED[event.code]);
      return;
    }
    // Back off (with jitter, so a restarted server is not hit by everyone at once).
    const wait = delay + Math.round(Math.random() * 500);
    setStatus("offline", `Offline: reconnecting in ${Math.ceil(wait / 1000)} s…`);
    reconnectTimer = setTimeout(connect, wait);
    delay = Math.min(delay * 2, MAX_DELAY);
  });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  if (send({ message: text })) {
    input.value = "";
    showError("");
  } else {
    showError("You are offline; the message was not sent.");
  }
});

function loadOlder() {
  if (olderButton.hidden || olderButton.disabled || firstId === null) return;
  if (send({ type: "history", before: firstId })) olderButton.disabled = true;
}

olderButton.addEventListener("click", loadOlder);
// Scrolling back to the top asks for the page before it, like the button.
list.addEventListener("scroll", () => {
  if (list.scrollTop < 20) loadOlder();
});

// Coming back online or to the tab: try now instead of waiting out the back-off.
window.addEventListener("online", () => {
  if (!socket || socket.readyState === WebSocket.CLOSED) {
    delay = 1000;
    connect();
  }
});

list.scrollTop = list.scrollHeight;
connect();
