// Sanity checks for the generated sample corpus; exits non-zero on a problem.
// usage: node check.mjs DATA_DIR
import { readFileSync } from "node:fs";

const dir = process.argv[2] ?? ".";
const read = (f) => JSON.parse(readFileSync(`${dir}/${f}`, "utf-8"));
const { poems } = read("poems.json");
const emb = read("embeddings.json");
const colors = read("color_embeddings.json");
const fail = (msg) => { console.error(`check: ${msg}`); process.exit(1); };

const want = { psalms: 150, proverbs: 31, ecclesiastes: 12, "song-of-solomon": 8, lamentations: 5 };
if (poems.length !== 206) fail(`${poems.length} poems, want 206`);
const seen = {};
poems.forEach((p, i) => {
  seen[p.category] = (seen[p.category] ?? 0) + 1;
  if (p.id !== seen[p.category]) fail(`poem ${i + 1}: id ${p.id}, want ${seen[p.category]}`);
  if (p.poem_index !== i + 1) fail(`poem ${i + 1}: poem_index ${p.poem_index}`);
  if (!p.content || /\n$|^\d|\n\d/.test(p.content)) fail(`poem ${i + 1}: bad content`);
});
for (const [c, n] of Object.entries(want)) if (seen[c] !== n) fail(`${c}: ${seen[c]} poems, want ${n}`);

const norm = (v) => Math.hypot(...v);
const okVec = (v) => v.length === 512 && v.every(Number.isFinite) && norm(v) > 0;
if (emb.metadata.embedding_dimension !== 512 || emb.embeddings.length !== poems.length) fail("embeddings count/dimension");
emb.embeddings.forEach((e, i) => {
  if (e.id !== poems[i].id || e.poem_index !== poems[i].poem_index) fail(`embedding ${i + 1} misaligned`);
  if (!okVec(e.embedding)) fail(`embedding ${i + 1} is not 512 finite floats with non-zero norm`);
});
for (const [c, v] of Object.entries(colors.embeddings)) if (!okVec(v)) fail(`colour ${c}: bad vector`);

// Similar texts should be closer than unrelated ones.
const cos = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0) / (norm(a) * norm(b));
const vec = (cat, id) => emb.embeddings[poems.findIndex((p) => p.category === cat && p.id === id)].embedding;
const ps23 = vec("psalms", 23);
const rows = [["psalms", 100], ["psalms", 121], ["psalms", 119], ["proverbs", 7], ["song-of-solomon", 4], ["lamentations", 1]];
for (const [c, id] of rows) console.log(`cos(psalms/23, ${c}/${id}) = ${cos(ps23, vec(c, id)).toFixed(3)}`);
console.log(`check: ok, ${poems.length} poems, ${Object.keys(colors.embeddings).length} colours`);
