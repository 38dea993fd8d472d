import { test } from "node:test";
import assert from "node:assert/strict";
import { finaliseCitations, keepRetrievedUrls, numberSources } from "../../../src/report/citations.js";

const sources = [
  { url: "https://one.example/", title: "One" },
  { url: "https://two.example/", title: "Two" },
  { url: "file:///docs/three.md", title: "Three" },
];

test("citations are renumbered by first use and listed at the end", () => {
  const { report, cited } = finaliseCitations("# T\n\nFirst claim [3]. Second [1, 3].", sources);
  assert.deepEqual(
    cited.map((s) => s.title),
    ["Three", "One"],
  );
  assert.match(report, /First claim \[1\]\. Second \[2\]\[1\]\./);
  assert.match(report, /## Sources\n\n1\. \[Three\]\(file:\/\/\/docs\/three\.md\)\n2\. \[One\]\(https:\/\/one\.example\/\)/);
});

test("numbers that match no retrieved source are dropped", () => {
  const { report, cited } = finaliseCitations("Claim [9]. Other [2].", sources);
  assert.deepEqual(
    cited.map((s) => s.title),
    ["Two"],
  );
  assert.match(report, /^Claim\. Other \[1\]\./);
});

test("links and bare URLs that were not retrieved are removed; retrieved ones kept", () => {
  const { report } = finaliseCitations("See [made up](https://fake.example/a) and https://fake.example/b and [two](https://two.example/).", sources);
  assert.doesNotMatch(report, /fake\.example/);
  assert.match(report, /See made up and/);
  assert.match(report, /\[two\]\(https:\/\/two\.example\/\)/);
});

test("a sentence's closing punctuation is not part of a URL", () => {
  const text = "Read https://two.example/. Not https://fake.example/c, nor https://fake.example/d.";
  assert.equal(keepRetrievedUrls(text, sources), "Read https://two.example/. Not , nor .");
});

test("a Sources section the model wrote is replaced", () => {
  const { report } = finaliseCitations("# T\n\nClaim [1].\n\n## References\n\n- https://fake.example/z\n", sources);
  assert.doesNotMatch(report, /References|fake/);
  assert.equal(report.match(/## Sources/g)?.length, 1);
});

test("the numbered list the writer sees", () => {
  assert.equal(numberSources(sources.slice(0, 2)), "[1] One: https://one.example/\n[2] Two: https://two.example/");
  assert.match(numberSources([]), /no sources/);
});
