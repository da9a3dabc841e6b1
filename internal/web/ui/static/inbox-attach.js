// inbox-attach.js — sending a file: the paperclip, dropping a file on the
// conversation or pasting an image stage it; it uploads at once
// (POST /api/v1/media) and shows a chip with a preview and a caption; the
// send then posts an image, video, audio, document or sticker message
// with the uploaded media's id.

const v = new URL(import.meta.url).search;
const { $, el, state, toLogin } = await import("./inbox-core.js" + v);
const { fmtSize } = await import("./inbox-render.js" + v);
const { upload, button, errorNodes } = await import("./inbox-util.js" + v);

const chip = $("attach-chip"), fileInput = $("attach-input");
let staged = null; // {file, type, seq, media?, uploading: Promise, error?, preview?}
let seq = 0, onChange = () => {};

// mediaType is the WhatsApp message type for a file.
export function mediaType(mime) {
  const m = String(mime || "").toLowerCase();
  if (m === "image/webp") return "sticker";
  if (m === "image/jpeg" || m === "image/png") return "image";
  if (m.startsWith("video/")) return "video";
  if (m.startsWith("audio/")) return "audio";
  return "document";
}

export const hasAttachment = () => !!staged;
export function onAttachChange(fn) { onChange = fn; }

export function clearAttachment() {
  if (staged && staged.preview) URL.revokeObjectURL(staged.preview);
  staged = null;
  seq++;
  chip.hidden = true;
  chip.replaceChildren();
  fileInput.value = "";
  onChange();
}

// stage uploads file and shows its chip.
export function stage(file) {
  if (!file || !state.openId) return;
  clearAttachment();
  const my = ++seq, type = mediaType(file.type);
  staged = { file, type, seq: my, media: null, error: null, preview: /^image\//.test(file.type) ? URL.createObjectURL(file) : "" };
  const form = new FormData();
  form.append("file", file, file.name || `pasted.${(file.type.split("/")[1] || "bin")}`);
  staged.uploading = upload("/api/v1/media", form).then((media) => {
    if (staged && staged.seq === my) staged.media = media;
  }).catch((e) => {
    if (toLogin(e)) return;
    if (staged && staged.seq === my) staged.error = e;
  }).finally(() => { if (staged && staged.seq === my) draw(); });
  draw();
  onChange();
}

function draw() {
  const s = staged;
  if (!s) return;
  chip.replaceChildren();
  chip.hidden = false;
  chip.dataset.type = s.type;
  chip.dataset.state = s.error ? "failed" : s.media ? "ready" : "uploading";
  if (s.preview && s.type !== "document") {
    const img = el("img", "attach-thumb");
    img.src = s.preview;
    img.alt = "";
    chip.append(img);
  } else chip.append(el("span", "attach-icon", { video: "🎥", audio: "🎵", document: "📄", sticker: "🏷️", image: "📷" }[s.type]));
  const info = el("div", "attach-info");
  info.append(el("div", "attach-name", s.file.name || "Pasted image"));
  const status = s.error ? "" : s.media ? `${fmtSize(s.file.size)} · ready to send as ${s.type}` : `${fmtSize(s.file.size)} · uploading…`;
  if (status) info.append(el("div", "attach-status muted", status));
  if (s.error) {
    const err = el("div", "attach-error");
    err.append(...errorNodes(s.error));
    info.append(err);
  }
  if (s.type === "image" || s.type === "video" || s.type === "document") {
    const cap = el("input", "attach-caption");
    cap.id = "attach-caption";
    cap.type = "text";
    cap.placeholder = "Add a caption (optional)";
    cap.maxLength = 1024;
    cap.value = s.caption || "";
    cap.setAttribute("aria-label", "Caption");
    cap.addEventListener("input", () => { s.caption = cap.value; });
    cap.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.isComposing) { e.preventDefault(); $("composer-send").click(); }
    });
    info.append(cap);
  }
  chip.append(info, button("×", "attach-remove", clearAttachment, "Remove the attachment"));
}

// attachmentBody is the message to send for the staged file, once its
// upload is done; it throws the upload's refusal.
export async function attachmentBody() {
  const s = staged;
  if (!s) return null;
  await s.uploading;
  if (s.error) throw s.error;
  if (!s.media || s.media.id == null) throw Object.assign(new Error("The file did not upload."), { remedy: "Remove it and attach it again." });
  const obj = { media_id: String(s.media.id) };
  const caption = (s.caption || "").trim();
  if (caption && s.type !== "audio" && s.type !== "sticker") obj.caption = caption;
  if (s.type === "document") obj.filename = s.media.filename || s.file.name || "document";
  return { type: s.type, [s.type]: obj };
}

$("attach-btn").addEventListener("click", () => fileInput.click());
fileInput.addEventListener("change", () => { if (fileInput.files[0]) stage(fileInput.files[0]); });

// Drop a file anywhere on the open conversation; paste an image into the
// message box.
const zone = $("conversation");
let depth = 0;
const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes("Files");
zone.addEventListener("dragenter", (e) => { if (hasFiles(e)) { depth++; zone.classList.add("dropping"); } });
zone.addEventListener("dragleave", () => { if (depth && !--depth) zone.classList.remove("dropping"); });
zone.addEventListener("dragover", (e) => { if (hasFiles(e)) e.preventDefault(); });
zone.addEventListener("drop", (e) => {
  depth = 0;
  zone.classList.remove("dropping");
  if (!hasFiles(e)) return;
  e.preventDefault();
  const f = e.dataTransfer.files[0];
  if (f && !$("composer-free").hidden && !$("attach-btn").hidden && !$("attach-btn").disabled) stage(f);
});
$("composer-input").addEventListener("paste", (e) => {
  const f = [...(e.clipboardData?.files || [])].find((x) => /^image\//.test(x.type));
  if (f && !$("attach-btn").hidden && !$("attach-btn").disabled) { e.preventDefault(); stage(f); }
});
