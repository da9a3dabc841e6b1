// broadcasts-import.js — the contact import on the Broadcasts page: a CSV
// upload to POST /api/v1/contacts/import, then what was imported and
// updated and every row left out with why.

const v = new URL(import.meta.url).search;
const [ui, { ApiError }, words] = await Promise.all([
  import("./numbers-ui.js" + v), import("./api.js" + v), import("./broadcasts-words.js" + v),
]);
const { $, el } = ui;

// upload posts the form as multipart/form-data: api.js sends JSON or one
// typed body, while the browser must write the multipart boundary itself.
async function upload(data) {
  let res;
  try {
    res = await fetch("/api/v1/contacts/import", { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } });
  } catch {
    throw new ApiError(0, "network", "Can't reach the GoHavi server.", "Check your connection and import the file again.");
  }
  let json = null;
  try { json = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    const e = (json && json.error) || {};
    throw new ApiError(res.status, e.code || `http_${res.status}`, e.message || `The server answered ${res.status}.`,
      e.remedy || "Try again in a moment; if it keeps happening, check the server logs.");
  }
  return json || {};
}

function showResult(r) {
  const rejected = r.rejected || [];
  $("import-summary").textContent = `${words.plural(r.imported, "new contact", "new contacts")} imported, ${words.count(r.updated)} updated` +
    (rejected.length ? `, ${words.plural(rejected.length, "row", "rows")} left out:` : ".");
  const table = $("import-rejected");
  table.tBodies[0].replaceChildren(...rejected.map((x) => {
    const tr = el("tr");
    tr.dataset.row = String(x.row);
    tr.append(el("td", null, String(x.row)), el("td", null, x.reason));
    return tr;
  }));
  table.hidden = !rejected.length;
  const box = $("import-result");
  box.dataset.imported = String(r.imported || 0);
  box.dataset.updated = String(r.updated || 0);
  box.dataset.rejected = String(rejected.length);
  box.hidden = false;
}

export function setup() {
  const form = $("import-form"), file = $("import-file"), country = $("import-country");
  const status = $("import-status");
  const say = (text, kind) => { status.textContent = text; status.dataset.kind = kind || ""; };
  ui.onSubmit(form, {
    box: $("import-error"), say, button: $("import-submit"), failed: "Not imported",
    names: ["default_country", "file"], byName: { default_country: country, file },
    check() {
      const errs = [];
      if (!file.files.length) errs.push([file, "Choose a CSV file."]);
      const c = country.value.trim();
      if (c && !/^[A-Za-z]{2}$/.test(c)) errs.push([country, "Two letters, like GB or BR, or empty."]);
      return errs;
    },
    async send() {
      $("import-result").hidden = true;
      const data = new FormData();
      data.append("file", file.files[0]);
      if (country.value.trim()) data.append("default_country", country.value.trim().toUpperCase());
      say(`Importing ${file.files[0].name}…`);
      const r = await upload(data);
      say("Imported.");
      showResult(r);
    },
  });
}
