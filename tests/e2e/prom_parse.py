#!/usr/bin/env python3
"""A strict parser of the Prometheus text exposition format (0.0.4), for
admitd's metrics tests. Stricter than Prometheus itself where admitd's own
conventions apply: every line is a HELP, a TYPE or a sample; each family has
exactly one HELP and one TYPE, before its samples, and its samples are
contiguous; names start with admitd_; counters end in _total; no series
appears twice; histogram buckets are cumulative, end in +Inf, and +Inf
equals _count.

  prom_parse.py FILE [SERIES...]
prints the value of each SERIES (name{label="v",...} as rendered), or
"missing", one per line; exits 1 with every error found.
"""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
HIST_SUFFIXES = ("_bucket", "_sum", "_count")


def parse_float(text):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        raise ValueError("not a float: %r" % text)
    return float(text)


def parse_labels(text, pos):
    """text[pos] == '{'; returns (list of (name, value), index after '}')."""
    labels = []
    pos += 1
    if text[pos:pos + 1] == "}":
        return labels, pos + 1
    while True:
        m = re.compile(LABEL).match(text, pos)
        if not m:
            raise ValueError("bad label name at column %d" % pos)
        name = m.group(0)
        if name.startswith("__"):
            raise ValueError("reserved label name %s" % name)
        pos = m.end()
        if text[pos:pos + 2] != '="':
            raise ValueError("expected =\" after label %s" % name)
        pos += 2
        value = []
        while True:
            if pos >= len(text):
                raise ValueError("unterminated label value")
            c = text[pos]
            if c == "\\":
                esc = text[pos + 1:pos + 2]
                if esc not in ("\\", '"', "n"):
                    raise ValueError("bad escape \\%s in label value" % esc)
                value.append({"\\": "\\", '"': '"', "n": "\n"}[esc])
                pos += 2
            elif c == '"':
                pos += 1
                break
            elif c == "\n":
                raise ValueError("newline in label value")
            else:
                value.append(c)
                pos += 1
        labels.append((name, "".join(value)))
        if text[pos:pos + 1] == ",":
            pos += 1
            continue
        if text[pos:pos + 1] == "}":
            return labels, pos + 1
        raise ValueError("expected , or } after a label value")


def family_of(name, types):
    if name in types:
        return name
    for suffix in HIST_SUFFIXES:
        if name.endswith(suffix) and types.get(name[: -len(suffix)]) in ("histogram", "summary"):
            return name[: -len(suffix)]
    return None


def parse(text):
    errors, samples = [], {}
    helps, types, opened = {}, {}, set()
    current = None
    buckets = {}  # (family, labels without le) -> [(le, value)]
    counts = {}
    if not text.endswith("\n"):
        errors.append("the exposition does not end with a newline")
    for n, line in enumerate(text.split("\n")[:-1], 1):
        try:
            if line == "":
                raise ValueError("empty line")
            if line.startswith("#"):
                m = re.fullmatch(r"# (HELP|TYPE) (%s) (.*)" % NAME, line)
                if not m:
                    raise ValueError("a comment that is not HELP or TYPE")
                kind, name, rest = m.groups()
                if kind == "HELP":
                    if name in helps:
                        raise ValueError("second HELP for %s" % name)
                    if re.search(r"\\[^\\n]", rest):
                        raise ValueError("bad escape in HELP")
                    helps[name] = rest
                else:
                    if name in types:
                        raise ValueError("second TYPE for %s" % name)
                    if rest not in TYPES:
                        raise ValueError("unknown type %r" % rest)
                    types[name] = rest
                if name != current:
                    if name in opened:
                        raise ValueError("family %s is split" % name)
                    opened.add(name)
                    current = name
                continue
            m = re.compile(NAME).match(line)
            if not m:
                raise ValueError("bad metric name")
            name, pos = m.group(0), m.end()
            labels = []
            if line[pos:pos + 1] == "{":
                labels, pos = parse_labels(line, pos)
            rest = line[pos:]
            if not rest.startswith(" "):
                raise ValueError("no space before the value")
            parts = rest[1:].split(" ")
            if len(parts) not in (1, 2):
                raise ValueError("junk after the value")
            value = parse_float(parts[0])
            if len(parts) == 2 and not re.fullmatch(r"-?\d+", parts[1]):
                raise ValueError("bad timestamp")
            family = family_of(name, types)
            if family is None:
                raise ValueError("sample %s has no TYPE before it" % name)
            if family != current:
                raise ValueError("sample %s outside its family's block" % name)
            if family not in helps:
                raise ValueError("family %s has no HELP" % family)
            if not family.startswith("admitd_"):
                raise ValueError("family %s lacks the admitd_ prefix" % family)
            if types[family] == "counter" and not family.endswith("_total"):
                raise ValueError("counter %s does not end in _total" % family)
            if types[family] == "counter" and (value < 0 or math.isnan(value)):
                raise ValueError("counter %s is %r" % (name, value))
            names = [k for k, _ in labels]
            if len(set(names)) != len(names):
                raise ValueError("a label repeats")
            key = name + "{" + ",".join('%s="%s"' % (k, v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n"))
                                        for k, v in labels) + "}"
            if not labels:
                key = name
            if key in samples:
                raise ValueError("series %s appears twice" % key)
            samples[key] = value
            if types[family] == "histogram":
                rest_labels = tuple((k, v) for k, v in labels if k != "le")
                if name.endswith("_bucket"):
                    le = dict(labels).get("le")
                    if le is None:
                        raise ValueError("bucket without le")
                    buckets.setdefault((family, rest_labels), []).append((parse_float(le), value))
                elif name.endswith("_count"):
                    counts[(family, rest_labels)] = value
        except ValueError as e:
            errors.append("line %d: %s: %s" % (n, e, line))
    for key, bs in buckets.items():
        les = [le for le, _ in bs]
        if les != sorted(les) or len(set(les)) != len(les):
            errors.append("%s: bucket bounds not increasing" % (key,))
        if [v for _, v in bs] != sorted(v for _, v in bs):
            errors.append("%s: buckets not cumulative" % (key,))
        if not bs or bs[-1][0] != math.inf:
            errors.append("%s: no +Inf bucket" % (key,))
        elif counts.get(key) != bs[-1][1]:
            errors.append("%s: +Inf bucket %s != _count %s" % (key, bs[-1][1], counts.get(key)))
    for family in types:
        if family not in helps:
            errors.append("family %s has no HELP" % family)
    return samples, errors


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    samples, errors = parse(text)
    if errors:
        for e in errors:
            print("prom_parse: " + e, file=sys.stderr)
        sys.exit(1)
    for series in sys.argv[2:]:
        v = samples.get(series)
        print("missing" if v is None else ("%d" % v if v == int(v) else repr(v)))


if __name__ == "__main__":
    main()
