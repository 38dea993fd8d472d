import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { stripDataUris, stripScriptsAndStyles, tidyText } from "./clean.js";
import { readMarkdown } from "./markdown.js";
import type { SkipReason } from "./summary.js";
import { PdfError, pdfToText } from "../../util/pdf.js";

/** One file turned into searchable text. */
export interface SourceDocument {
  path: string;
  title: string;
  text: string;
}

/** A file read and converted, or why it was left out. */
export type LoadedFile = { document: SourceDocument } | { skipped: SkipReason };

/** Read and convert a file; says why when it is binary, unreadable or has no text. */
export async function loadDocument(path: string): Promise<LoadedFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    return { skipped: "unreadable" }; // no permission, or removed between the scan and the read
  }
  if (extname(path).toLowerCase() === ".pdf") return loadPdf(path, bytes);
  if (bytes.includes(0)) return { skipped: "binary" }; // whatever its extension says
  try {
    const document = await convertDocument(path, decodeText(bytes));
    return document ? { document } : { skipped: "empty" };
  } catch {
    return { skipped: "unreadable" }; // markup the converter cannot take: the rest of the folder is still indexed
  }
}

/** A PDF's text; one that does not parse is unreadable, one without text (scanned pages) empty. */
async function loadPdf(path: string, bytes: Buffer): Promise<LoadedFile> {
  try {
    const pdf = await pdfToText(bytes);
    const text = tidyText(pdf.text);
    return text ? { document: { path, title: oneLine(pdf.title || basename(path, extname(path))), text } } : { skipped: "empty" };
  } catch (error) {
    return { skipped: error instanceof PdfError && /no text/.test(error.message) ? "empty" : "unreadable" };
  }
}

/**
 * UTF-8, or else Windows-1252: text that is not valid UTF-8 is nearly always in that
 * legacy encoding (or Latin-1, its subset), and read that way it keeps its accents.
 */
function decodeText(bytes: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // Node's TextDecoder("windows-1252") decodes Latin-1, so bytes 0x80-0x9f (curly quotes, dashes, €) are mapped here.
    return bytes.toString("latin1").replace(/[\x80-\x9f]/g, (char) => WINDOWS_1252_80_9F[char.charCodeAt(0) - 0x80]);
  }
}

/** Windows-1252's characters for bytes 0x80-0x9f; its five unassigned bytes stay as they are. */
const WINDOWS_1252_80_9F =
  "\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178";

export async function convertDocument(path: string, source: string): Promise<SourceDocument | null> {
  const ext = extname(path).toLowerCase();
  const fileTitle = basename(path, extname(path));
  let title: string | null = null;
  let body: string;
  if (ext === ".html" || ext === ".htm") {
    // The HTML stack (linkedom, Readability, Turndown) is heavy: load it only for HTML files.
    const { htmlToMarkdown } = await import("./html.js");
    const html = htmlToMarkdown(source);
    title = html.title;
    body = html.markdown;
  } else if (ext === ".md" || ext === ".markdown") {
    const md = readMarkdown(source);
    title = md.title;
    body = stripScriptsAndStyles(md.markdown);
  } else {
    body = source;
  }
  const text = tidyText(stripDataUris(body));
  if (!text) return null;
  return { path, title: oneLine(title || fileTitle), text };
}

function oneLine(title: string): string {
  return title.replace(/\s+/g, " ").trim().slice(0, 300);
}
