"""What the benchmark reports (tools/bench/*/report.py) share: reading the key=value files their
helpers write, and formatting figures. Standard library only."""
import math
import re


def read_kv(path, sep='='):
    values = {}
    try:
        with open(path) as f:
            for line in f:
                if sep in line:
                    k, v = line.rstrip('\n').split(sep, 1)
                    values[k.strip()] = v.strip()
    except FileNotFoundError:
        pass
    return values


def num(values, key):
    v = values.get(key)
    if v is None or v == '':
        return None
    try:
        return float(v)
    except ValueError:
        return None


def fmt(v, digits=1):
    if v is None:
        return 'n/a'
    if math.isinf(v):
        return 'never'
    return f'{v:,.{digits}f}'


def stats(values, prefix, digits=1):
    """'p50 / p99 / max' in ms of prefix_*."""
    return ' / '.join(fmt(num(values, f'{prefix}_{q}_ms'), digits) for q in ('p50', 'p99', 'max'))


def typed(values):
    out = {}
    for k, v in values.items():
        try:
            f = float(v)
            out[k] = v if math.isinf(f) or math.isnan(f) else (int(f) if re.fullmatch(r'-?\d+', v) else f)
        except ValueError:
            out[k] = v
    return out
