// Iterative DOM helpers for pathological pages: Readability slows down sharply
// with nesting depth on linkedom (seconds at ~400 levels) and turndown recurses
// once per level, so very deep pages overflow the stack. Neither helper recurses.

export interface DomShape {
  elements: number;
  depth: number;
}

export function measureDom(root: Element): DomShape {
  let elements = 0;
  let depth = 0;
  const stack: [Element, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [element, level] = stack.pop()!;
    elements++;
    if (level > depth) depth = level;
    for (const child of Array.from(element.children)) stack.push([child, level + 1]);
  }
  return { elements, depth };
}

const BLOCK_TAGS = new Set("ADDRESS ARTICLE BLOCKQUOTE BR DD DIV DL DT FIGCAPTION FIGURE H1 H2 H3 H4 H5 H6 HR LI MAIN OL P PRE SECTION TABLE TD TH TR UL".split(" "));

/** Text of a subtree with a blank line around block elements. */
export function plainText(root: Node): string {
  const out: string[] = [];
  const stack: (Node | string)[] = [root];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item === "string") out.push(item);
    else if (item.nodeType === 3) out.push(item.textContent ?? "");
    else if (item.nodeType === 1) {
      const block = BLOCK_TAGS.has((item as Element).tagName.toUpperCase());
      if (block) out.push("\n\n");
      if (block) stack.push("\n\n");
      const children = Array.from(item.childNodes);
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
  }
  return out
    .join("")
    .replace(/[ \t\u00a0]+/g, " ")
    .replace(/ ?\n[\s]*\n ?/g, "\n\n")
    .trim();
}
