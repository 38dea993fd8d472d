import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { stripDataUris, stripScriptsAndStyles, tidyText } from "./clean.js";
import { readMarkdown } from "./markdown.js";

/** One file turned into searchable text. */
export interface SourceDocument {
  path: string;
  title: string;
  text: string;
}

/** Read and convert a file; null when it is binary, unreadable or has no text. */
export async function loadDocument(path: string): Promise<SourceDocument | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    return null; // removed between the scan and the read
  }
  if (bytes.includes(0)) return null; // binary, whatever its extension says
  return convertDocument(path, new TextDecoder("utf-8").decode(bytes));
}

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
