/** Text of a PDF, page by page; throws PdfError naming the problem when it cannot be read. */
export class PdfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PdfError";
  }
}

/**
 * Extracts a PDF's text with unpdf (a build of Mozilla's pdf.js without native parts).
 * Loaded on first use: it is large, and most runs read no PDF.
 */
export async function pdfToText(bytes: Uint8Array): Promise<{ title: string; text: string }> {
  const { getDocumentProxy, extractText, getMeta } = await import("unpdf");
  let document: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // verbosity 0: pdf.js otherwise prints its warnings to stdout, where the CLI writes the report.
    document = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0, isEvalSupported: false });
  } catch (error) {
    throw new PdfError(`the PDF could not be parsed (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    const { text } = await extractText(document, { mergePages: false });
    const title = await getMeta(document)
      .then(({ info }) => (typeof (info as { Title?: unknown }).Title === "string" ? String((info as { Title: string }).Title) : ""))
      .catch(() => "");
    const pages = text.map((page) => page.trim()).filter(Boolean);
    if (pages.length === 0) throw new PdfError("the PDF has no text (it may be scanned images)");
    return { title: title.trim(), text: pages.join("\n\n") };
  } finally {
    await document.destroy().catch(() => undefined);
  }
}
