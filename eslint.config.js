// ESLint for static/js (npm run lint). Everything there runs in browsers as it is: ES modules, except the loader
// widget.js, a classic script that host pages include.
import js from "@eslint/js";
import globals from "globals";

// tsc checks the files that opt in with `// @ts-check` (jsconfig.json leaves checkJs off); this rule makes the
// opt-in compulsory for every file.
const tsCheck = {
  meta: { type: "problem", messages: { missing: "Start the file with `// @ts-check`." } },
  create(context) {
    return {
      Program(node) {
        const first = context.sourceCode.getAllComments()[0];
        if (!first || first.type !== "Line" || first.value.trim() !== "@ts-check")
          context.report({ node, loc: { line: 1, column: 0 }, messageId: "missing" });
      },
    };
  },
};

export default [
  {
    files: ["static/js/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: globals.browser,
    },
    plugins: { zhengna: { rules: { "ts-check": tsCheck } } },
    rules: {
      ...js.configs.recommended.rules,
      "zhengna/ts-check": "error",
      // nothing anyone types reaches the DOM as HTML: text goes in through textContent (shared/dom.js h())
      "no-restricted-properties": [
        "error",
        ...["innerHTML", "outerHTML", "insertAdjacentHTML"].map((property) => ({
          property,
          message: "Build the DOM with h() and textContent.",
        })),
        { object: "document", property: "write", message: "Build the DOM with h()." },
      ],
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  {
    files: ["static/js/widget.js"],
    languageOptions: { sourceType: "script" },
    rules: { "no-var": "off" }, // the loader stays ES5-shaped for any host page
  },
];
