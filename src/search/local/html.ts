import { parseHTML } from "linkedom";
import { Readability } from "@mozilla/readability";
import TurndownService from "turndown";
import { stripDataUris, stripScriptsAndStyles } from "./clean.js";
import { measureDom, plainText } from "./dom.js";

export interface HtmlText {
  title: string;
  markdown: string;
}

/** Never content: removed before Readability or the fallback sees the page. */
const JUNK = "script, style, noscript, template, iframe, object, embed, svg, canvas, link, meta, base";
/** Page chrome: removed only for the fallback, Readability judges these itself. */
const CHROME = "nav, header, footer, aside, form, button, [role=navigation], [role=banner], [aria-hidden=true]";
/** Below this, treat Readability's pick as "found nothing". */
const MIN_ARTICLE_CHARS = 80;
/** Beyond these Readability gets slow on linkedom (see dom.ts); the fallback handles such pages. */
const READABILITY_MAX_DEPTH = 120;
const READABILITY_MAX_ELEMENTS = 20_000;
/** Beyond this turndown (recursive) could overflow the stack: plain text instead. */
const TURNDOWN_MAX_DEPTH = 300;

const turndown = createTurndown();

/**
 * HTML -> readable markdown: Readability on a linkedom DOM picks the article,
 * turndown renders it. When Readability finds nothing (or throws on a huge or
 * odd page) the cleaned body is rendered instead.
 */
export function htmlToMarkdown(html: string): HtmlText {
  const shell = toShell(stripScriptsAndStyles(stripDataUris(html)));
  const document = parseDocument(shell);
  const pageTitle = (document.title || document.querySelector("h1")?.textContent || "").trim();
  const shape = measureDom(document.documentElement);
  const readable = shape.depth <= READABILITY_MAX_DEPTH && shape.elements <= READABILITY_MAX_ELEMENTS;
  const article = readable ? readArticle(document) : null;
  if (article) return { title: article.title || pageTitle, markdown: article.markdown };
  return { title: pageTitle, markdown: bodyMarkdown(shell, shape.depth <= TURNDOWN_MAX_DEPTH) };
}

function readArticle(document: Document): { title: string; markdown: string } | null {
  try {
    const article = new Readability(document, { maxElemsToParse: READABILITY_MAX_ELEMENTS }).parse();
    const text = article?.textContent?.trim() ?? "";
    if (!article?.content || text.length < MIN_ARTICLE_CHARS) return null;
    return { title: (article.title ?? "").trim(), markdown: turndown.turndown(article.content) };
  } catch {
    return null;
  }
}

function bodyMarkdown(shell: string, useTurndown: boolean): string {
  const document = parseDocument(shell);
  document.querySelectorAll(CHROME).forEach((el) => el.remove());
  if (!document.body) return "";
  return useTurndown ? turndown.turndown(document.body.innerHTML) : plainText(document.body);
}

function parseDocument(shell: string): Document {
  const { document } = parseHTML(shell);
  document.querySelectorAll(JUNK).forEach((el) => el.remove());
  return document as unknown as Document;
}

/**
 * linkedom is not an HTML5 tree builder: fragments or pages without <body> end up
 * with an empty body. Rebuild a well-formed shell from the title and body text.
 */
function toShell(html: string): string {
  const withoutComments = html.replace(/<!--[\s\S]*?-->/g, "");
  const title = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(withoutComments)?.[1] ?? "";
  const bodyMatch = /<body\b[^>]*>([\s\S]*?)(?:<\/body\s*>|$)/i.exec(withoutComments);
  const body = bodyMatch
    ? bodyMatch[1]
    : withoutComments
        .replace(/<head\b[^>]*>[\s\S]*?<\/head\s*>/i, "")
        .replace(/<title\b[^>]*>[\s\S]*?<\/title\s*>/gi, "")
        .replace(/<\/?(?:html|head|body)\b[^>]*>|<!doctype[^>]*>/gi, "");
  return `<!DOCTYPE html><html><head><title>${title}</title></head><body>${body}</body></html>`;
}

function createTurndown(): TurndownService {
  const service = new TurndownService({ headingStyle: "atx", codeBlockStyle: "fenced", bulletListMarker: "-" });
  // The text is read by a model, not rendered: markdown escapes are noise.
  service.escape = (text: string) => text;
  // Links and images: keep the words, drop URLs that only add noise tokens.
  service.addRule("linkText", { filter: "a", replacement: (content) => content });
  service.addRule("imageAlt", {
    filter: "img",
    replacement: (_content, node) => {
      const alt = (node as Element).getAttribute("alt")?.trim();
      return alt ? ` ${alt} ` : "";
    },
  });
  return service;
}
