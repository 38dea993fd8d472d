const VOWEL = /[aeiouy]/;

/**
 * A deliberately small English suffix stripper (plurals, -ing, -ed, final -e).
 * It only has to map related forms to the same key for both query and passages,
 * so consistency matters more than producing real words: "tides"/"tide" -> "tid",
 * "running"/"runs" -> "run", "studies"/"studied" -> "study".
 */
export function stem(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  let w = stripPlural(word);
  w = stripVerbSuffix(w);
  if (w.length > 3 && w.endsWith("e")) w = w.slice(0, -1);
  return w;
}

function stripPlural(w: string): string {
  if (w.endsWith("sses")) return w.slice(0, -2);
  if (w.endsWith("ies") && w.length > 4) return w.slice(0, -3) + "y";
  if (w.endsWith("s") && !/(ss|us|is)$/.test(w)) return w.slice(0, -1);
  return w;
}

function stripVerbSuffix(w: string): string {
  if (w.endsWith("ied") && w.length > 4) return w.slice(0, -3) + "y";
  for (const suffix of ["ing", "ed"]) {
    if (!w.endsWith(suffix)) continue;
    const base = w.slice(0, -suffix.length);
    // Keep "bring", "red", "shed": the remaining stem must be a plausible word.
    if (base.length < 3 || !VOWEL.test(base)) return w;
    return undouble(base);
  }
  return w;
}

/** "stopp" -> "stop", "runn" -> "run"; but "fall", "miss", "buzz" keep their pair. */
function undouble(w: string): string {
  const last = w[w.length - 1];
  if (last === w[w.length - 2] && !"lsz".includes(last) && !VOWEL.test(last)) return w.slice(0, -1);
  return w;
}
