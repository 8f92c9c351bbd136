"""A recognizer for the W3C EBNF of grammar/hit.ebnf, to test the grammar itself.

load(path) reads the rules; Grammar.accepts(text) says whether the start rule
matches the whole text.  Rules named in UPPER CASE are lexical: inside them
nothing is skipped, and where a syntactic rule uses one, it matches one token,
the longest (as a lexer would).  Between the tokens of syntactic rules, BLANKs
are skipped.  A literal that ends in a letter or digit must not run on into a
word ("env" does not match the start of "env-mode").

Every rule returns the set of positions where a match of it can end, so
ambiguity and backtracking need no special care; results are memoised.
"""
import re

WORD = re.compile(r"[A-Za-z0-9_.-]")


class Lit:
    def __init__(self, text):
        self.text = text


class Cls:
    def __init__(self, ranges, negated):
        self.ranges, self.negated = ranges, negated

    def has(self, ch):
        inside = any(lo <= ord(ch) <= hi for lo, hi in self.ranges)
        return inside != self.negated


class Ref:
    def __init__(self, name):
        self.name = name


class Seq:
    def __init__(self, items):
        self.items = items


class Alt:
    def __init__(self, options):
        self.options = options


class Rep:
    def __init__(self, item, low, high):  # high None: unbounded
        self.item, self.low, self.high = item, low, high


TOKEN = re.compile(r"""
    (?P<ws>\s+) | (?P<comment>/\*.*?\*/)
  | (?P<define>::=) | (?P<op>[|?*+()])
  | (?P<lit>"[^"]*"|'[^']*')
  | (?P<cls>\[(?:[^\]])*\])
  | (?P<hex>\#x[0-9A-Fa-f]+)
  | (?P<name>[A-Za-z][A-Za-z0-9-]*)
""", re.S | re.X)


def tokens(source):
    pos, out = 0, []
    while pos < len(source):
        m = TOKEN.match(source, pos)
        if not m:
            raise SyntaxError(f"grammar: cannot read {source[pos:pos + 30]!r}")
        pos = m.end()
        if m.lastgroup not in ("ws", "comment"):
            out.append((m.lastgroup, m.group()))
    return out


def char_class(text):
    body = text[1:-1]
    negated = body.startswith("^")
    if negated:
        body = body[1:]
    items, i = [], 0
    while i < len(body):
        m = re.match(r"#x([0-9A-Fa-f]+)", body[i:])
        if m:
            items.append(int(m[1], 16))
            i += m.end()
        else:
            items.append(ord(body[i]) if body[i] != "-" else "-")
            i += 1
    ranges, i = [], 0
    while i < len(items):
        if i + 2 < len(items) and items[i + 1] == "-" and items[i] != "-":
            ranges.append((items[i], items[i + 2]))
            i += 3
        else:
            c = ord("-") if items[i] == "-" else items[i]
            ranges.append((c, c))
            i += 1
    return Cls(ranges, negated)


class Parser:
    """alt := seq ('|' seq)* ; seq := post* ; post := atom ('?'|'*'|'+')? """

    def __init__(self, toks):
        self.toks, self.i = toks, 0

    def peek(self, k=0):
        return self.toks[self.i + k] if self.i + k < len(self.toks) else (None, None)

    def at_rule_start(self):
        return self.peek()[0] == "name" and self.peek(1)[0] == "define"

    def alt(self):
        options = [self.seq()]
        while self.peek() == ("op", "|"):
            self.i += 1
            options.append(self.seq())
        return options[0] if len(options) == 1 else Alt(options)

    def seq(self):
        items = []
        while True:
            kind, text = self.peek()
            if kind is None or (kind == "op" and text in "|)") or self.at_rule_start():
                break
            items.append(self.post())
        return items[0] if len(items) == 1 else Seq(items)

    def post(self):
        atom = self.atom()
        kind, text = self.peek()
        if kind == "op" and text in "?*+":
            self.i += 1
            low, high = {"?": (0, 1), "*": (0, None), "+": (1, None)}[text]
            return Rep(atom, low, high)
        return atom

    def atom(self):
        kind, text = self.peek()
        self.i += 1
        if kind == "lit":
            return Lit(text[1:-1])
        if kind == "cls":
            return char_class(text)
        if kind == "hex":
            return Lit(chr(int(text[2:], 16)))
        if kind == "name":
            return Ref(text)
        if (kind, text) == ("op", "("):
            inner = self.alt()
            if self.peek() != ("op", ")"):
                raise SyntaxError("grammar: ')' expected")
            self.i += 1
            return inner
        raise SyntaxError(f"grammar: unexpected {text!r}")


class Grammar:
    def __init__(self, rules, start):
        self.rules, self.start = rules, start

    def is_lexical(self, name):
        return name.isupper() or name.replace("-", "").isupper()

    def accepts(self, text):
        self.text, self.memo = text, {}
        ends = self.match(Ref(self.start), 0, False)
        return any(self.skip(e) == len(text) for e in ends)

    def skip(self, pos):
        """Past any BLANKs."""
        while True:
            ends = self.match(self.rules["BLANK"], pos, True)
            longest = max((e for e in ends if e > pos), default=None)
            if longest is None:
                return pos
            pos = longest

    def match(self, node, pos, lexical):
        key = (id(node), pos, lexical)
        if key not in self.memo:
            self.memo[key] = frozenset()         # a left-recursive loop finds nothing
            self.memo[key] = frozenset(self.compute(node, pos, lexical))
        return self.memo[key]

    def compute(self, node, pos, lexical):
        text = self.text
        if isinstance(node, Lit):
            p = pos if lexical else self.skip(pos)
            if not text.startswith(node.text, p):
                return set()
            end = p + len(node.text)
            if not lexical and node.text[-1].isalnum() and end < len(text) and WORD.match(text[end]):
                return set()
            return {end}
        if isinstance(node, Cls):
            return {pos + 1} if pos < len(text) and node.has(text[pos]) else set()
        if isinstance(node, Ref):
            rule = self.rules[node.name]
            if self.is_lexical(node.name) and not lexical:
                p = self.skip(pos)
                ends = self.match(rule, p, True)
                return {max(ends)} if ends else set()
            return set(self.match(rule, pos, lexical))
        if isinstance(node, Seq):
            ends = {pos}
            for item in node.items:
                ends = {e for p in ends for e in self.match(item, p, lexical)}
                if not ends:
                    break
            return ends
        if isinstance(node, Alt):
            return {e for o in node.options for e in self.match(o, pos, lexical)}
        if isinstance(node, Rep):
            result = {pos} if node.low == 0 else set()
            frontier, count, seen = {pos}, 0, {pos}
            while frontier and (node.high is None or count < node.high):
                count += 1
                frontier = {e for p in frontier for e in self.match(node.item, p, lexical)}
                if count >= node.low:
                    result |= frontier
                frontier -= seen
                seen |= frontier
            return result
        raise TypeError(node)


def load(path, start="file"):
    with open(path, encoding="utf-8") as f:
        toks = tokens(f.read())
    parser, rules = Parser(toks), {}
    while parser.peek()[0] is not None:
        if not parser.at_rule_start():
            raise SyntaxError(f"grammar: a rule expected at {parser.peek()[1]!r}")
        name = parser.peek()[1]
        parser.i += 2
        if name in rules:
            raise SyntaxError(f"grammar: rule {name} is defined twice")
        rules[name] = parser.alt()
    return Grammar(rules, start)
