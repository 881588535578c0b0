// Turns `bible -f` output (one verse a line, "Psa23:1 The LORD is my shepherd; ...")
// into the pagegen poems.json format: one poem per chapter (per psalm), verses
// joined by "\n" without their numbers.
//
// usage: bible -f ... | node extract.mjs "<source description>" > poems.json
import { readFileSync } from "node:fs";

// bible-kjv's own book abbreviations, in output order, with the chapter count
// each book must have.
const BOOKS = [
  { abbr: "Psa", category: "psalms", chapters: 150 },
  { abbr: "Prv", category: "proverbs", chapters: 31 },
  { abbr: "Eccl", category: "ecclesiastes", chapters: 12 },
  { abbr: "SSol", category: "song-of-solomon", chapters: 8 },
  { abbr: "Lam", category: "lamentations", chapters: 5 },
];

const source = process.argv[2] ?? "King James Version (public domain)";
const lines = readFileSync(0, "utf-8").split("\n").filter((l) => l !== "");

const chapters = new Map(); // "Psa 23" -> { abbr, chapter, verses: [] }
for (const line of lines) {
  const m = /^([1-3]?[A-Za-z]+)(\d+):(\d+) (.+)$/.exec(line);
  if (!m) throw new Error(`unexpected line: ${JSON.stringify(line)}`);
  const [, abbr, chapter, verse, text] = m;
  const key = `${abbr} ${chapter}`;
  if (!chapters.has(key)) chapters.set(key, { abbr, chapter: +chapter, verses: [] });
  const ch = chapters.get(key);
  if (+verse !== ch.verses.length + 1) throw new Error(`verse out of order: ${line}`);
  ch.verses.push(text.trim());
}

const poems = [];
for (const book of BOOKS) {
  const chs = [...chapters.values()].filter((c) => c.abbr === book.abbr);
  if (chs.length !== book.chapters) {
    throw new Error(`${book.abbr}: ${chs.length} chapters, want ${book.chapters}`);
  }
  chs.forEach((c, i) => {
    if (c.chapter !== i + 1) throw new Error(`${book.abbr}: chapter ${c.chapter} at position ${i + 1}`);
    poems.push({
      id: c.chapter,
      category: book.category,
      content: c.verses.join("\n"),
      poem_index: poems.length + 1,
    });
  });
}
const known = new Set(BOOKS.map((b) => b.abbr));
const stray = [...chapters.values()].find((c) => !known.has(c.abbr));
if (stray) throw new Error(`unexpected book in input: ${stray.abbr}`);

const out = {
  metadata: {
    source,
    generator: "scripts/sample-corpus/generate",
    description:
      "Poetic books of the King James Bible: each psalm, and each chapter of Proverbs, " +
      "Ecclesiastes, Song of Solomon and Lamentations, is one poem; verses are separated by newlines.",
    categories: BOOKS.map((b) => b.category),
    count: poems.length,
  },
  poems,
};
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
