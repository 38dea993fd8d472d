// Text clean-up shared by every file type, so junk never reaches passages or the tokenizer.

/** data: URIs (inline images, fonts) can be megabytes of base64. */
const DATA_URI = /data:[\w.+-]+\/[\w.+-]+(?:;[\w.+-]+=[\w.+-]+)*(?:;base64)?,[^\s"'()<>]*/gi;
/** A "word" this long is base64, a hash or minified code, not prose. */
const JUNK_RUN = /\S{200,}/g;
const SCRIPT_OR_STYLE = /<(script|style|noscript|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;

export function stripDataUris(text: string): string {
  return text.replace(DATA_URI, "");
}

/** Remove `<script>`/`<style>` blocks; also used on markdown, which may embed raw HTML. */
export function stripScriptsAndStyles(text: string): string {
  return text.replace(SCRIPT_OR_STYLE, "");
}

/** Normalise line endings and blank-line runs, drop junk runs, trim. */
export function tidyText(text: string): string {
  return text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .replace(JUNK_RUN, "")
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
