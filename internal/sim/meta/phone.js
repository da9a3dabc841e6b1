// The sandbox customer's phone. Every URL is relative: the simulator may be
// mounted under any prefix.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const thread = $("phone-thread");
  let numbers = [];
  let chatKey = "";
  let known = new Map(); // wamid -> {el, status, msg}
  let readPosted = new Set();
  let polling = false;

  async function api(path, body) {
    const opts = body === undefined ? { cache: "no-store" }
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    const res = await fetch(path, opts);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((data.error && data.error.message) || res.statusText);
    return data;
  }

  function showError(err) { $("phone-error").textContent = err ? String(err.message || err) : ""; }

  function current() {
    return {
      phone: $("phone-number").value,
      waid: $("phone-waid").value.replace(/\D/g, ""),
      name: $("phone-name").value.trim(),
    };
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  async function loadNumbers() {
    numbers = await api("numbers");
    const sel = $("phone-number");
    sel.replaceChildren();
    for (const n of numbers) {
      const o = el("option", "", `${n.verified_name} (+${n.display_phone_number})`);
      o.value = n.phone_number_id;
      sel.append(o);
    }
    const saved = localStorage.getItem("sim.phone.number");
    if (saved && numbers.some((n) => n.phone_number_id === saved)) sel.value = saved;
    updateHeader();
  }

  function updateHeader() {
    const n = numbers.find((x) => x.phone_number_id === $("phone-number").value);
    $("phone-business").textContent = n ? n.verified_name : "No business number";
    $("phone-business-number").textContent = n ? "+" + n.display_phone_number : "Add one with POST _sim/numbers";
    $("phone-avatar").textContent = n ? n.verified_name.charAt(0).toUpperCase() : "?";
  }

  function mediaLabel(type, c) {
    const icons = { image: "📷 Photo", video: "🎥 Video", audio: "🎤 Audio", document: "📄 Document", sticker: "💟 Sticker" };
    const name = c.filename || c.link || c.id || "";
    return `${icons[type]}${name ? " · " + name : ""}`;
  }

  function snippet(m) {
    const c = m.content || {};
    if (m.type === "text") return c.body;
    if (m.type === "template") return "Template: " + c.name;
    if (m.type === "interactive") return (c.body && c.body.text) || (c[c.type] && c[c.type].title) || "Interactive";
    return m.type;
  }

  // Customer actions: taps on buttons become inbound replies.
  function tap(btn, payload, msgEl) {
    return async () => {
      for (const b of msgEl.querySelectorAll(".actions button")) b.disabled = true;
      btn.textContent = "✓ " + btn.textContent;
      await sendInbound(Object.assign({ context: { id: msgEl.dataset.wamid } }, payload));
    };
  }

  function renderActions(m, box) {
    const c = m.content || {};
    const actions = el("div", "actions");
    const add = (label, payload) => {
      const b = el("button", "reply", label);
      b.type = "button";
      b.addEventListener("click", tap(b, payload, box));
      actions.append(b);
    };
    if (m.type === "interactive" && c.type === "button") {
      for (const b of (c.action && c.action.buttons) || []) {
        add(b.reply.title, { type: "interactive", interactive: { type: "button_reply", button_reply: { id: b.reply.id, title: b.reply.title } } });
      }
    } else if (m.type === "interactive" && c.type === "list") {
      for (const s of (c.action && c.action.sections) || []) {
        for (const r of s.rows || []) {
          const reply = { id: r.id, title: r.title };
          if (r.description) reply.description = r.description;
          add(r.title, { type: "interactive", interactive: { type: "list_reply", list_reply: reply } });
        }
      }
    } else if (m.type === "interactive" && c.type === "cta_url" && c.action && c.action.parameters) {
      const a = el("a", "", "↗ " + c.action.parameters.display_text);
      a.href = c.action.parameters.url;
      a.target = "_blank";
      a.rel = "noopener";
      actions.append(a);
    } else if (m.type === "template") {
      for (const comp of c.components || []) {
        if (comp.type !== "button" || comp.sub_type !== "quick_reply") continue;
        const prm = (comp.parameters || [])[0] || {};
        const label = prm.payload || prm.text || "Button " + comp.index;
        add(label, { type: "button", button: { payload: label, text: label } });
      }
    }
    if (actions.childElementCount) box.append(actions);
  }

  function renderBody(m, box) {
    const c = m.content || {};
    switch (m.type) {
      case "text": box.append(el("div", "body", c.body)); break;
      case "image": case "video": case "audio": case "document": case "sticker":
        if ((m.type === "image" || m.type === "sticker") && c.id) {
          // The phone has the file: the simulator serves it by media id.
          const img = document.createElement("img");
          img.className = "media-img";
          img.alt = mediaLabel(m.type, c);
          img.src = "media/" + encodeURIComponent(c.id);
          box.append(img);
        } else {
          box.append(el("div", "media", mediaLabel(m.type, c)));
        }
        if (c.caption) box.append(el("div", "body", c.caption));
        break;
      case "location":
        box.append(el("div", "media", "📍 " + [c.name, c.address].filter(Boolean).join(", ")));
        box.append(el("div", "ftr", `${c.latitude}, ${c.longitude}`));
        break;
      case "contacts":
        for (const ct of Array.isArray(c) ? c : []) box.append(el("div", "body", "👤 " + ((ct.name && ct.name.formatted_name) || "Contact")));
        break;
      case "interactive":
        if (m.direction === "in") { box.append(el("div", "body", (c[c.type] && c[c.type].title) || c.type)); break; }
        if (c.header && c.header.type === "text") box.append(el("div", "hdr", c.header.text));
        else if (c.header) box.append(el("div", "media", mediaLabel(c.header.type, c.header[c.header.type] || {})));
        if (c.body) box.append(el("div", "body", c.body.text));
        if (c.footer) box.append(el("div", "ftr", c.footer.text));
        if (c.type === "list" && c.action) box.append(el("div", "ftr", "☰ " + c.action.button));
        break;
      case "template": {
        box.append(el("div", "tmpl", `Template · ${c.name} · ${(c.language && c.language.code) || ""}`));
        const params = [];
        for (const comp of c.components || []) {
          if (comp.type === "button") continue;
          for (const p of comp.parameters || []) {
            const v = p.type === "text" ? p.text : p[p.type] && (p[p.type].fallback_value || p[p.type].link || p[p.type].id);
            params.push(`${comp.type}: ${p.parameter_name ? p.parameter_name + "=" : ""}${v === undefined ? p.type : v}`);
          }
        }
        box.append(el("div", "body", params.length ? params.join("\n") : c.name.replace(/_/g, " ")));
        break;
      }
      case "button": box.append(el("div", "body", c.text)); break;
      case "unsupported": box.append(el("div", "ftr", "Unsupported message")); break;
      case "system": box.append(el("div", "ftr", c.body)); break;
      default: box.append(el("div", "ftr", m.type));
    }
    renderActions(m, box);
  }

  function ticks(m) {
    if (m.direction !== "in") return null;
    const t = el("span", "ticks" + (m.status === "read" ? " read" : ""), "✓✓");
    t.title = m.status;
    return t;
  }

  function render(m) {
    if (m.type === "request_welcome") return el("div", "msg note", "You opened the chat");
    if (m.type === "reaction") {
      const target = known.get(m.content && m.content.message_id);
      if (target) {
        const badge = target.el.querySelector(".reaction") || el("span", "reaction");
        badge.textContent = m.content.emoji;
        target.el.classList.toggle("has-reaction", !!m.content.emoji);
        target.el.append(badge);
      }
      // The reaction shows on its target; the marker only keeps it known.
      const hidden = el("div", "reaction-marker");
      hidden.hidden = true;
      return hidden;
    }
    const box = el("div", "msg");
    if (m.context) {
      const q = known.get(m.context);
      box.append(el("div", "quote", q ? snippet(q.msg) : "Quoted message"));
    }
    renderBody(m, box);
    const meta = el("span", "meta", new Date(m.timestamp * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
    const t = ticks(m);
    if (t) meta.append(t);
    box.append(meta);
    return box;
  }

  function apply(messages) {
    const key = current().phone + "|" + current().waid;
    if (key !== chatKey) {
      chatKey = key;
      known = new Map();
      readPosted = new Set();
      thread.replaceChildren();
    }
    if (!messages.length && !thread.childElementCount) {
      thread.append(el("div", "empty", "No messages yet. Say hello to the business."));
    }
    const atBottom = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 40;
    let added = false;
    for (const m of messages) {
      const k = known.get(m.id);
      if (k && k.status === m.status) continue;
      const node = render(m);
      node.dataset.wamid = m.id;
      node.dataset.direction = m.direction;
      node.dataset.type = m.type;
      node.dataset.status = m.status;
      if (k) {
        const t = k.el.querySelector(".ticks");
        if (t) { t.className = "ticks" + (m.status === "read" ? " read" : ""); t.title = m.status; }
        k.el.dataset.status = m.status;
        k.status = m.status;
        continue;
      }
      const empty = thread.querySelector(".empty");
      if (empty) empty.remove();
      thread.append(node);
      known.set(m.id, { el: node, status: m.status, msg: m });
      added = true;
    }
    if (added && atBottom) thread.scrollTop = thread.scrollHeight;
    markRead(messages);
  }

  // Reading the chat on screen is what turns the business's ticks blue.
  function markRead(messages) {
    if (document.visibilityState !== "visible") return;
    const unread = messages.filter((m) => m.direction === "out" && m.type !== "reaction" && m.status !== "read" && !readPosted.has(m.id));
    if (!unread.length) return;
    const last = unread[unread.length - 1];
    for (const m of unread) readPosted.add(m.id);
    api("read", { phone_number_id: current().phone, wamid: last.id }).catch(showError);
  }

  async function poll() {
    const c = current();
    if (polling || !c.phone || !c.waid) return;
    polling = true;
    try {
      const data = await api(`chat?phone_number_id=${encodeURIComponent(c.phone)}&wa_id=${encodeURIComponent(c.waid)}`);
      apply(data.messages || []);
      showError(null);
    } catch (err) {
      showError(err);
    } finally {
      polling = false;
    }
  }

  async function sendInbound(payload) {
    const c = current();
    if (!c.phone || !c.waid) { showError("Pick a business number and enter your number first."); return; }
    try {
      await api("inbound", Object.assign({ phone_number_id: c.phone, from: c.waid, name: c.name }, payload));
      showError(null);
      await poll();
    } catch (err) {
      showError(err);
    }
  }

  $("phone-composer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = $("phone-input");
    const body = input.value.trim();
    if (!body) return;
    input.value = "";
    await sendInbound({ type: "text", text: { body } });
    input.focus();
  });

  for (const id of ["phone-name", "phone-waid", "phone-number"]) {
    const saved = id !== "phone-number" && localStorage.getItem("sim." + id);
    if (saved) $(id).value = saved;
    $(id).addEventListener("change", () => {
      localStorage.setItem(id === "phone-number" ? "sim.phone.number" : "sim." + id, $(id).value);
      updateHeader();
      poll();
    });
  }
  document.addEventListener("visibilitychange", poll);

  loadNumbers().then(poll).catch(showError);
  setInterval(poll, 700);
})();
