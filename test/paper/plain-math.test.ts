// TeX in titles and summaries as Unicode text, for mail: what arXiv titles carry, what cannot be
// written in Unicode, and text that only looks like math (money, hostile markup).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { plainMath } from '../../src/paper/plain-math.ts';

const cases = (rows: [string, string][]) => {
  for (const [tex, plain] of rows) assert.equal(plainMath(tex), plain, tex);
};

describe('plainMath', () => {
  test('titles from the hub read as they would typeset', () => {
    cases([
      ['Sorting in $O(n \\log n)$ time with learned comparators', 'Sorting in O(n log n) time with learned comparators'],
      ['the $SE(3)$-equivariant score network', 'the SE(3)-equivariant score network'],
      ['any distribution $\\mathcal{D}$ over inputs', 'any distribution D over inputs'],
      ['the constant satisfies $$c \\le \\frac{3}{2} + \\epsilon.$$', 'the constant satisfies c ≤ 3/2 + ε.'],
      ['within $\\sum_{i=1}^{n} \\lceil \\log_2 i \\rceil$ in practice', 'within Σᵢ₌₁ⁿ ⌈log₂ i⌉ in practice'],
      ['$k$-NN graphs in $\\mathbb{R}^d$', 'k-NN graphs in ℝᵈ'],
      ['a $3\\times$ speed-up', 'a 3× speed-up'],
    ]);
  });

  test('every delimiter: $, $$, \\( \\) and \\[ \\]', () => {
    cases([
      ['$x^2$', 'x²'],
      ['$$x^2$$', 'x²'],
      ['\\(x^2\\) and \\[y_1\\]', 'x² and y₁'],
    ]);
  });

  test('Greek letters, operators, relations and arrows', () => {
    cases([
      ['$\\alpha, \\beta, \\gamma, \\lambda, \\Omega, \\Sigma, \\varepsilon$', 'α, β, γ, λ, Ω, Σ, ε'],
      ['$a \\le b \\ge c \\neq d \\approx e \\sim f$', 'a ≤ b ≥ c ≠ d ≈ e ∼ f'],
      ['$2 \\times 3 \\cdot 4 \\pm 1$', '2 × 3 · 4 ± 1'],
      ['$x \\in \\mathbb{R}$, $n \\to \\infty$, $a \\rightarrow b \\leftarrow c$', 'x ∈ ℝ, n → ∞, a → b ← c'],
      ['$\\prod_i \\int \\partial f \\nabla g$', 'Πᵢ ∫ ∂f ∇g'],
      ['$\\ell_1$ and $x_1, \\dots, x_n$ and $\\ldots$', 'ℓ₁ and x₁, …, xₙ and …'],
    ]);
  });

  test('letters after a command join as TeX sets them; relations keep their spaces', () => {
    cases([
      ['$\\alpha \\beta$', 'αβ'],
      ['$\\lambda x$', 'λx'],
      ['$\\alpha \\in \\Theta$', 'α ∈ Θ'],
      ['$\\frac{\\partial f}{\\partial x}$', '∂f/∂x'],
    ]);
  });

  test('function names are words, set off from the letters around them', () => {
    cases([
      ['$n\\log n$', 'n log n'],
      ['$\\log(n)$', 'log(n)'],
      ['$\\exp(-x)$', 'exp(-x)'],
      ['$\\sin x + \\cos^2 x$', 'sin x + cos² x'],
      ['$\\arg\\max_x f(x)$', 'arg maxₓ f(x)'],
      ['$\\min_{\\theta} L$', 'min_θ L'],
      ['$\\operatorname{KL}(p \\| q)$', 'KL(p ‖ q)'],
    ]);
  });

  test('blackboard bold, and font and text commands give their content', () => {
    cases([
      ['$\\mathbb{N} \\subset \\mathbb{Z} \\subset \\mathbb{Q} \\subset \\mathbb{R} \\subset \\mathbb{C}$', 'ℕ ⊂ ℤ ⊂ ℚ ⊂ ℝ ⊂ ℂ'],
      ['$\\mathbb{E}[X]$', '𝔼[X]'],
      ['$\\mathcal{X}$, $\\mathrm{d}x$, $\\mathbf{W}$, $\\textbf{bold}$', 'X, dx, W, bold'],
      ['$x \\text{ for all } y$', 'x for all y'],
      ['$\\text{Top-}k$', 'Top-k'],
    ]);
  });

  test('fractions and roots: parentheses only around compound parts', () => {
    cases([
      ['$\\frac{3}{2}$', '3/2'],
      ['$\\frac{a+b}{c}$', '(a+b)/c'],
      ['$\\frac{1}{n+1}$', '1/(n+1)'],
      ['$\\frac12$', '1/2'],
      ['$\\sqrt{x}$', '√x'],
      ['$\\sqrt{n+1}$', '√(n+1)'],
      ['$\\sqrt[3]{x}$', '³√x'],
      ['$\\mathcal{O}(1/\\epsilon^2)$', 'O(1/ε²)'],
    ]);
  });

  test('superscripts and subscripts in Unicode where every character has one, else ^(...) and _(...)', () => {
    cases([
      ['$x^2$', 'x²'],
      ['$x^{10}$', 'x¹⁰'],
      ['$x^{n}$', 'xⁿ'],
      ['$10^{-3}$', '10⁻³'],
      ['$x^{(k)}$', 'x⁽ᵏ⁾'],
      ['$W^\\top x$', 'Wᵀ x'],
      ['$x_{ij}$', 'xᵢⱼ'],
      ['$x_{n-1}$', 'xₙ₋₁'],
      ['$x^q$', 'x^q'],
      ['$x^{q+1}$', 'x^(q+1)'],
      ['$p_\\theta(x)$', 'p_θ(x)'],
      ['$\\mathbb{E}_{x \\sim p}$', '𝔼_(x ∼ p)'],
      ['$\\mathbb{R}^{n \\times d}$', 'ℝ^(n × d)'],
      ["$f'(x)$", 'f′(x)'],
    ]);
  });

  test('spacing commands, escaped braces, dropped braces and sized delimiters', () => {
    cases([
      ['$a\\,b\\;c\\!d~e$', 'a b cd e'],
      ['$\\{0,1\\}^n$', '{0,1}ⁿ'],
      ['${x}+{{y}}$', 'x+y'],
      ['$\\left( \\frac{1}{2} \\right)$', '(1/2)'],
      ['$\\left. f \\right|_0$', 'f |₀'],
      ['$50\\%$', '50%'],
    ]);
  });

  test('accents and negations combine with their letter', () => {
    cases([
      ['$\\hat{x}$, $\\bar{y}$, $\\tilde{z}$', 'x̂, ȳ, z̃'],
      ['$a \\not= b$, $x \\not\\in S$', 'a ≠ b, x ∉ S'],
    ]);
  });

  test('an unknown command comes out as its name', () => {
    cases([
      ['$\\softmax(z)$', 'softmax(z)'],
      ['$\\foo x$', 'foo x'],
    ]);
  });

  test('text outside math is kept; unbalanced and money dollars stay as they are', () => {
    cases([
      ['No math here: <b>&amp;</b>', 'No math here: <b>&amp;</b>'],
      ['It costs $5 and $10 a month', 'It costs $5 and $10 a month'],
      ['an unbalanced $ sign', 'an unbalanced $ sign'],
      ['an unbalanced $x sign', 'an unbalanced $x sign'],
      ['a price of \\$3', 'a price of $3'],
    ]);
  });

  test('hostile input stays literal text, for the renderer to escape', () => {
    cases([
      ['$<script>$', '<script>'],
      ['$<img src=x onerror=alert(1)>$', '<img src=x onerror=alert(1)>'],
      ['$\\href{javascript:alert(3)}{click me}$', 'click me'],
      ['$a\u0001b\u0002c$', 'a b c'],
    ]);
  });

  test('broken TeX still gives text, never an exception', () => {
    for (const tex of ['$\\frac{$', '$x^$', '$x_$', '$\\sqrt[3$', '${{{x$', '$x}}}$', '$\\left$', '$\\not$', '$\\mathbb{$', '$^{}$', '$\\$']) {
      assert.equal(typeof plainMath(tex), 'string', tex);
    }
    const deep = `$$${'{'.repeat(100_000)}x${'\\sqrt'.repeat(50_000)} y$$`;
    assert.equal(plainMath(deep).slice(0, 1), 'x');
    cases([
      ['$\\frac{a}$', 'a/'],
      ['$x^$ and', 'x^ and'],
      ['${{{x$', 'x'],
    ]);
  });
});
