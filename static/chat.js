// The chat page: one WebSocket to /conversation, reconnected with backoff when it drops.
"use strict";

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10000;
const COUNT_EVERY_MS = 2000;

const messages = document.getElementById("messages");
const composer = document.getElementById("composer");
const input = document.getElementById("message");
const sendButton = document.getElementById("send");
const statusLine = document.getElementById("status");
const hint = document.getElementById("hint");
const countLine = document.getElementById("count");
const forgetButton = document.getElementById("forget");

let socket = null;
let retryDelay = RETRY_FIRST_MS;
let retryTimer = null;

function conversationUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/conversation`;
}

// Text only: whatever Diego or a user says is shown, never run.
function addMessage(author, text, earlier = false) {
  const item = document.createElement("li");
  item.className = `message ${author}`;
  item.classList.toggle("earlier", earlier);
  const who = document.createElement("span");
  who.className = "author";
  who.textContent = author === "user" ? "You" : "Diego";
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  item.append(who, body);
  messages.append(item);
  item.scrollIntoView({ block: "end" });
}

function setState(state, text, hintText) {
  statusLine.dataset.state = state;
  statusLine.textContent = text;
  const open = state === "open";
  input.disabled = !open;
  sendButton.disabled = !open;
  hint.textContent = hintText;
  hint.hidden = open;
  if (open) {
    input.focus();
  }
}

function connect() {
  clearTimeout(retryTimer);
  setState("connecting", "Connecting…", "Connecting to Diego… anything you type is kept.");
  socket = new WebSocket(conversationUrl());
  socket.addEventListener("open", () => {
    retryDelay = RETRY_FIRST_MS;
    setState("open", "Connected", "");
    refreshCount();
  });
  socket.addEventListener("message", (event) => addMessage("diego", String(event.data)));
  socket.addEventListener("close", scheduleReconnect);
}

function scheduleReconnect() {
  const seconds = Math.ceil(retryDelay / 1000);
  setState(
    "closed",
    "Disconnected",
    `Connection lost. Reconnecting in ${seconds} s… anything you type is kept.`,
  );
  // Jitter keeps a crowd of pages from reconnecting in the same instant.
  retryTimer = setTimeout(connect, retryDelay * (0.75 + Math.random() / 2));
  retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
}

function reconnectNow() {
  if (socket && socket.readyState === WebSocket.CLOSED) {
    retryDelay = RETRY_FIRST_MS;
    connect();
  }
}

async function refreshCount() {
  try {
    const response = await fetch("/client-count", { cache: "no-store" });
    const { count } = await response.json();
    countLine.dataset.count = String(count);
    countLine.textContent = `${count} ${count === 1 ? "person" : "people"} talking to Diego`;
  } catch {
    // The status line already says when the server is out of reach.
  }
}

// The session cookie names this page's conversation: show what was said before a reload.
async function showEarlierMessages() {
  try {
    const response = await fetch("/history", { cache: "no-store" });
    if (response.ok) {
      const { messages: earlier } = await response.json();
      for (const message of earlier) {
        addMessage(message.from === "user" ? "user" : "diego", message.text, true);
      }
    }
  } catch {
    // Without its history the page still chats.
  }
}

// Erased on the server; the session goes on in a new conversation, on a new socket.
async function forgetConversation() {
  forgetButton.disabled = true;
  try {
    const response = await fetch("/history", { method: "DELETE", cache: "no-store" });
    if (response.ok) {
      messages.replaceChildren();
      if (socket) {
        socket.removeEventListener("close", scheduleReconnect);
        socket.close();
      }
      connect();
    } else {
      hint.hidden = false;
      hint.textContent = "Diego could not forget this conversation just now: try again.";
    }
  } catch {
    hint.hidden = false;
    hint.textContent = "Diego is out of reach: the conversation is not forgotten yet.";
  } finally {
    forgetButton.disabled = false;
  }
}

forgetButton.addEventListener("click", forgetConversation);

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text || !socket || socket.readyState !== WebSocket.OPEN) {
    return;
  }
  socket.send(text);
  addMessage("user", text);
  input.value = "";
});

// Back from a closed lid or a lost network: try at once rather than wait out the backoff.
window.addEventListener("online", reconnectNow);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") {
    reconnectNow();
    refreshCount();
  }
});

setInterval(() => {
  if (document.visibilityState === "visible") {
    refreshCount();
  }
}, COUNT_EVERY_MS);

showEarlierMessages().finally(connect);
