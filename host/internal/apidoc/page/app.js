// The Nexus API reference: reads the host's OpenAPI document and lists its
// operations by tag, with parameters, body schemas (references resolved
// one level, the rest linked by name) and examples.
"use strict";

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
};

let components = {};

function resolve(schema) {
  if (schema && schema.$ref) {
    const name = schema.$ref.replace("#/components/schemas/", "");
    return { name, schema: components[name] || {} };
  }
  return { name: "", schema: schema || {} };
}

function schemaBlock(title, media) {
  const out = el("div");
  if (!media) return out;
  out.append(el("h4", {}, title));
  if (media.schema) {
    const { name, schema } = resolve(media.schema);
    if (name) out.append(el("p", {}, "Schema " + name));
    out.append(el("pre", {}, JSON.stringify(schema, null, 2)));
  }
  if (media.example !== undefined) {
    out.append(el("p", {}, "Example"), el("pre", {}, JSON.stringify(media.example, null, 2)));
  }
  return out;
}

function operation(path, method, op) {
  const head = el("summary", {},
    el("span", { class: "method " + method }, method),
    el("span", { class: "path" }, path),
    el("span", {}, op.summary || ""),
    el("span", { class: "role" }, op["x-nexus-min-role"] ? "role ≥ " + op["x-nexus-min-role"] : (op.security && op.security.length === 0 ? "public" : "")));
  const body = el("div", { class: "body" });
  if (op.description) body.append(el("p", {}, op.description));
  if (op.parameters && op.parameters.length) {
    body.append(el("h4", {}, "Parameters"),
      el("ul", {}, ...op.parameters.map((p) => el("li", {}, `${p.name} (${p.in})${p.required ? ", required" : ""}`))));
  }
  const json = (c) => c && c["application/json"];
  if (op.requestBody) body.append(schemaBlock("Request body", json(op.requestBody.content)));
  for (const [status, res] of Object.entries(op.responses || {})) {
    body.append(schemaBlock(`Response ${status}: ${res.description}`, json(res.content)));
  }
  return el("details", { id: op.operationId }, head, body);
}

function render(doc) {
  components = (doc.components && doc.components.schemas) || {};
  const byTag = new Map((doc.tags || []).map((t) => [t.name, []]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(path, method, op));
    }
  }
  $("#tags").replaceChildren(...[...byTag.keys()].map((t) => el("a", { href: "#tag-" + t }, t)));
  $("#ops").replaceChildren(...[...byTag.entries()].map(([tag, ops]) =>
    el("section", { id: "tag-" + tag }, el("h2", {}, tag), ...ops)));
  $("#status").textContent = `${doc.info.title} ${doc.info.version} — OpenAPI ${doc.openapi}`;
}

async function load() {
  const token = sessionStorage.getItem("nexus-token") || "";
  const headers = token ? { Authorization: "Bearer " + token } : {};
  $("#status").textContent = "Loading…";
  const res = await fetch("/api/v1/openapi.json", { headers });
  const body = await res.json();
  if (!res.ok) {
    $("#status").textContent = `${res.status}: ${body.error ? body.error.message : "error"}`;
    return;
  }
  render(body);
}

$("#auth").addEventListener("submit", (ev) => {
  ev.preventDefault();
  sessionStorage.setItem("nexus-token", $("#token").value.trim());
  load();
});
$("#token").value = sessionStorage.getItem("nexus-token") || "";
load();
