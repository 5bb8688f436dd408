// The cap page: one WebSocket carries events (JSON text) and frames (binary: a channel byte,
// "v" for the view or "p" for the robot's last look, the render time as a little-endian
// float64, then a JPEG).
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
const query = token ? "?token=" + encodeURIComponent(token) : "";
const $ = (id) => document.getElementById(id);
const entries = new Map();
const stats = { frames: 0, since: performance.now(), latency: [] };
window.capStats = stats;  // frame rate and latency, read by tests and the curious
let socket;

function connect() {
  socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws" + query);
  socket.binaryType = "arraybuffer";
  socket.onopen = () => { badge("connection", "connected", "ok"); askFrameRate(); };
  socket.onclose = () => { badge("connection", "disconnected", "bad"); setTimeout(connect, 1000); };
  socket.onmessage = (message) => typeof message.data === "string"
    ? handle(JSON.parse(message.data)) : showFrame(message.data);
}

function badge(id, text, kind) { const el = $(id); el.textContent = text; el.className = "badge " + (kind || ""); }

const frameUrls = {};
function showImage(id, jpeg) {
  const url = URL.createObjectURL(new Blob([jpeg], { type: "image/jpeg" }));
  $(id).src = url;
  if (frameUrls[id]) URL.revokeObjectURL(frameUrls[id]);
  frameUrls[id] = url;
}

function showFrame(buffer) {
  const channel = String.fromCharCode(new Uint8Array(buffer, 0, 1)[0]);
  const rendered = new DataView(buffer).getFloat64(1, true);
  if (channel === "p") {
    showImage("look", buffer.slice(9));
    return;
  }
  showImage("camera", buffer.slice(9));
  stats.frames += 1;
  if (rendered !== stats.lastRendered) stats.latency.push(Date.now() / 1000 - rendered);  // new frames only
  stats.lastRendered = rendered;
  if (stats.latency.length > 100) stats.latency.shift();
  const seconds = (performance.now() - stats.since) / 1000;
  if (seconds >= 2) {
    $("fps").textContent = (stats.frames / seconds).toFixed(1) + " fps";
    stats.fps = stats.frames / seconds; stats.frames = 0; stats.since = performance.now();
  }
}

function entry(id, title) {
  if (!entries.has(id)) {
    const el = document.createElement("div");
    el.className = "entry"; el.id = "job-" + id;
    const head = document.createElement("div");
    head.className = "command"; head.textContent = title;
    el.appendChild(head);
    $("log").prepend(el);
    entries.set(id, el);
  }
  return entries.get(id);
}

function line(parent, cls, text) {
  const el = document.createElement("div"); el.className = cls; el.textContent = text;
  parent.appendChild(el); return el;
}

function label(event) { return event.kind === "command" ? event.text : ":" + event.kind; }

function showObjects(event) {
  $("look-caption").textContent = event.image
    ? "the robot's last look: objects it found outlined, remembered ones in grey"
    : "objects come from the simulator's truth (--perception oracle): no image";
  $("objects").tBodies[0].replaceChildren(...event.objects.map((o) => {
    const row = document.createElement("tr");
    row.className = o.visible ? "seen" : "remembered";
    for (const text of [o.name, o.position.map((v) => v.toFixed(3)).join(", "),
                        o.visible ? "seen" : "remembered"]) {
      const cell = document.createElement("td"); cell.textContent = text; row.appendChild(cell);
    }
    return row;
  }));
}

const queued = new Map();
function renderQueue() {
  $("queue").replaceChildren(...[...queued.values()].map((text) => {
    const li = document.createElement("li"); li.textContent = "queued: " + text; return li;
  }));
}

function handle(event) {
  switch (event.type) {
    case "state":
      badge("status", event.running ? "running" : "idle", event.running ? "busy" : "ok");
      break;
    case "queued":
      entry(event.id, label(event));
      queued.set(event.id, label(event)); renderQueue();
      break;
    case "started":
      queued.delete(event.id); renderQueue();
      badge("status", "running", "busy");
      break;
    case "program": {
      const pre = document.createElement("pre");
      pre.className = "code"; pre.innerHTML = event.html;  // escaped by the server's highlighter
      const el = entry(event.id, "");
      line(el, "muted", event.lmp + (event.query && event.lmp !== "tabletop_ui" ? ": " + event.query : ""));
      el.appendChild(pre);
      break;
    }
    case "said": line(entry(event.id, ""), "said", "robot: " + event.message); break;
    case "cancelled":
      queued.delete(event.id); renderQueue();
      line(entry(event.id, ""), "result bad", "cancelled by Stop");
      break;
    case "stopping": badge("status", "stopping", "bad"); break;
    case "stop_issued": stopAnswered("Stop reached the robot"); break;
    case "done": {
      const el = entry(event.id, "");
      line(el, "result " + (event.ok ? "ok" : "bad"), (event.ok ? "done" : "failed: " + event.error) +
        ` (${event.seconds} s, ${event.model_calls} model calls, ${event.prompt_tokens} prompt tokens)`);
      badge("status", queued.size ? "running" : "idle", queued.size ? "busy" : "ok");
      break;
    }
    case "look": showObjects(event); break;
    case "ask": showQuestion(event); break;
    case "answered":
      if (asking && asking.id === event.id) { asking = null; $("question").hidden = true; }
      line($("log"), event.command === null ? "error" : "muted",
        "asked about: " + event.outcome + (event.command ? " (runs: " + event.command + ")" : ""));
      break;
    case "error": line($("log"), "error", event.message); break;
  }
}

function send(message) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(message)); }

// A spoken command the recogniser was unsure of: the question, a button for each name and
// "neither"; while it is open, what is typed or spoken answers it.
let asking = null;
function showQuestion(event) {
  asking = event;
  $("question-text").textContent = 'heard "' + event.heard + '": ' + event.question;
  $("question-options").replaceChildren(...[...event.options, "neither"].map((name) => {
    const button = document.createElement("button");
    button.type = "button"; button.textContent = name;
    button.onclick = () => answer(name);
    return button;
  }));
  $("question").hidden = false;
}

function answer(text, question = asking) { if (question) send({ type: "answer", id: question.id, text }); }

$("command-form").onsubmit = (e) => {
  e.preventDefault();
  const text = $("command").value.trim();
  if (text) { asking ? answer(text) : send({ type: "command", text }); $("command").value = ""; }
};
// Stop goes over the socket; with no answer there within STOP_WAIT_MS (or no socket), over
// HTTP; if that fails too, the page says plainly that the robot was not stopped.
const STOP_WAIT_MS = 1000;
let stopTimer = null;
$("stop").onclick = () => {
  clearTimeout(stopTimer);
  $("stop-status").textContent = "stopping...";
  $("stop-status").className = "muted";
  if (socket && socket.readyState === 1) {
    send({ type: "stop" });
    stopTimer = setTimeout(stopOverHttp, STOP_WAIT_MS);
  } else stopOverHttp();
};

async function stopOverHttp() {
  try {
    const reply = await fetch("/api/stop" + query, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
      signal: AbortSignal.timeout(3000) });
    if (!reply.ok) throw new Error((await reply.json()).error || reply.statusText);
    stopAnswered("Stop reached the robot (over HTTP: the live connection is down)");
  } catch (error) {
    $("stop-status").textContent = "STOP DID NOT REACH THE ROBOT (" + error.message +
      "). Use the robot's own emergency stop.";
    $("stop-status").className = "stop-failed";
  }
}

function stopAnswered(text) {
  clearTimeout(stopTimer);
  $("stop-status").textContent = text;
  $("stop-status").className = "muted";
}

// Frames only while the page is visible: a hidden tab asks for none.
function askFrameRate() { send({ type: "view", fps: document.hidden ? 0 : 10 }); }
document.addEventListener("visibilitychange", askFrameRate);
$("show-look").onchange = (e) => $("perception-panel").classList.toggle("hidden", !e.target.checked);
$("undo").onclick = () => send({ type: "undo" });
$("reset").onclick = () => send({ type: "reset" });

// Microphone: record PCM while the button is held, send it as a 16-bit WAV to the server's
// speech backend, which runs what it heard (or asks about it first); an answer to an open
// question is only transcribed, then sent as the answer.
let recording = null;
async function startRecording() {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const context = new AudioContext();
  const source = context.createMediaStreamSource(stream);
  const processor = context.createScriptProcessor(4096, 1, 1);
  const chunks = [];
  processor.onaudioprocess = (e) => chunks.push(new Float32Array(e.inputBuffer.getChannelData(0)));
  source.connect(processor); processor.connect(context.destination);
  recording = { stream, context, processor, chunks };
  $("mic").classList.add("recording");
}

async function stopRecording() {
  if (!recording) return;
  const { stream, context, processor, chunks } = recording;
  recording = null;
  $("mic").classList.remove("recording");
  processor.disconnect(); stream.getTracks().forEach((t) => t.stop());
  const wav = encodeWav(chunks, context.sampleRate);
  await context.close();
  const answering = asking;
  const reply = await fetch((answering ? "/api/transcribe" : "/api/spoken") + query,
    { method: "POST", body: wav });
  const body = await reply.json();
  if (!reply.ok) { line($("log"), "error", "speech: " + body.error); return; }
  if (answering) answer(body.text, answering);
}

function encodeWav(chunks, rate) {
  const length = chunks.reduce((n, c) => n + c.length, 0);
  const view = new DataView(new ArrayBuffer(44 + 2 * length));
  const text = (offset, s) => [...s].forEach((ch, i) => view.setUint8(offset + i, ch.charCodeAt(0)));
  text(0, "RIFF"); view.setUint32(4, 36 + 2 * length, true); text(8, "WAVEfmt ");
  view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, rate, true); view.setUint32(28, 2 * rate, true);
  view.setUint16(32, 2, true); view.setUint16(34, 16, true); text(36, "data");
  view.setUint32(40, 2 * length, true);
  let offset = 44;
  for (const chunk of chunks) for (const s of chunk) {
    view.setInt16(offset, Math.max(-1, Math.min(1, s)) * 32767, true); offset += 2;
  }
  return new Blob([view], { type: "audio/wav" });
}

$("mic").onpointerdown = () => startRecording().catch((e) => line($("log"), "error", "microphone: " + e.message));
$("mic").onpointerup = $("mic").onpointerleave = () => stopRecording();
connect();
