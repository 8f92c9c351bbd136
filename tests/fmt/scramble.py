#!/usr/bin/env python3
"""tests/fmt/scramble.py: helpers for the fmt suite (tests/run.sh run_fmt).

  scramble.py scramble SEED < formatted.hit > scrambled.hit
      The same program with only what `hitc fmt` normalises changed, at
      random (seeded, so a failure repeats): indentation of spaces and
      tabs, extra blanks between tokens (and before ':' ',' ']', after
      '['), trailing blanks (on comments too), a blank line made into
      several, CRLF line ends.  Strings and comment texts are left alone.
  scramble.py batch DIR SEED FILE...
      The same for many files at once (python starts slowly on a loaded
      machine): FILE scrambled with seed SEED+i into DIR/i.hit, i from 1.
  scramble.py comments < file.hit
      Every comment's text, one a line, trailing blanks removed.
"""
import random
import sys


def segments(line):
    """Split one line into (kind, text): 'code', 'str', 'comment'."""
    out, i, start = [], 0, 0
    while i < len(line):
        c = line[i]
        if c == '"':
            if start < i:
                out.append(('code', line[start:i]))
            j = i + 1
            while j < len(line) and line[j] != '"':
                j += 2 if line[j] == '\\' else 1
            j = min(j + 1, len(line))
            out.append(('str', line[i:j]))
            i = start = j
        elif c == '#':
            if start < i:
                out.append(('code', line[start:i]))
            out.append(('comment', line[i:]))
            return out
        else:
            i += 1
    if start < len(line):
        out.append(('code', line[start:]))
    return out


def blanks(rng, least):
    n = rng.randint(least, 3)
    return ''.join(rng.choice(' \t') for _ in range(n))


def scramble_code(rng, code):
    out = []
    for ch in code:
        if ch == ' ':
            out.append(blanks(rng, 1))
        elif ch in ':,]':
            out.append(blanks(rng, 0) + ch)
        elif ch == '[':
            out.append(ch + blanks(rng, 0))
        else:
            out.append(ch)
    return ''.join(out)


def scramble(seed, text):
    rng = random.Random(seed)
    lines = text.split('\n')
    out = []
    for line in lines:
        if line.strip() == '':
            out.extend([blanks(rng, 0)] * rng.randint(1, 3) if out else [''])
            continue
        body = line.lstrip(' ')
        parts = []
        for kind, seg in segments(body):
            if kind == 'code':
                parts.append(scramble_code(rng, seg))
            elif kind == 'comment':
                parts.append(seg + blanks(rng, 0))
            else:
                parts.append(seg)
        new = blanks(rng, 0) + ''.join(parts)
        if rng.random() < 0.2 and not new.rstrip().endswith('\\'):
            new += blanks(rng, 1)
        if rng.random() < 0.1:
            new += '\r'
        out.append(new)
    return '\n'.join(out)


def comments(text):
    for line in text.split('\n'):
        for kind, seg in segments(line):
            if kind == 'comment':
                print(seg.rstrip(' \t\r\f\v'))


def main():
    if sys.argv[1] == 'batch':
        seed = int(sys.argv[3])
        for i, path in enumerate(sys.argv[4:], 1):
            with open(path, 'rb') as f:
                data = f.read().decode('utf-8', 'surrogateescape')
            with open('%s/%d.hit' % (sys.argv[2], i), 'wb') as f:
                f.write(scramble(seed + i, data).encode('utf-8', 'surrogateescape'))
        return
    data = sys.stdin.buffer.read().decode('utf-8', 'surrogateescape')
    if sys.argv[1] == 'scramble':
        sys.stdout.buffer.write(scramble(int(sys.argv[2]), data)
                                .encode('utf-8', 'surrogateescape'))
    else:
        sys.stdout.buffer.write(b'')
        comments(data)


if __name__ == '__main__':
    main()
