"""Word segmentation (a private jieba tokenizer with the domain dictionary) and stop words."""

from __future__ import annotations

import functools
import logging

import jieba

from . import lexicon
from .language import EN_STOPWORDS, stem

# Domain words get a high frequency so that jieba keeps them whole (数电票, 红字确认单).
DOMAIN_WORD_FREQ = 200_000

# Function words and generic question words that say nothing about which entry is meant.
STOPWORDS = frozenset(
    """
的 了 吗 呢 啊 吧 呀 哦 嘛 么 哈 嗯 啦 着 过 得 地 之 与 及 和 跟 或 或者 还是 并 而 就 都 也 还 又
再 才 很 太 挺
我 我们 你 你们 您 他 她 它 他们 咱们 自己 大家 人家 这 那 这个 那个 这些 那些 这里 那里 这边 那边
这样 那样 此 该
是 在 有 没 没有 不 要 想 能 会 可 可以 能否 能不能 可不可以 是否 需要 需不需要 应该 得 让 把 被 给
对 对于 向 从 到 用
怎么 怎么样 怎样 如何 咋 咋办 怎么办 怎么弄 怎么搞 怎么操作 怎么处理 什么 啥 哪 哪里 哪儿 哪个 哪些
多少 几 为什么 为啥
请问 请 一下 下 一个 个 一张 张 一些 些 现在 刚才 时候 的话 问题 情况 事情 东西 这种 那种 比如 就是
然后 但是 可是 因为 所以
多久 多长 哪能 在哪 在哪儿 哪里能 有没有 是不是 行不行 对不对
干嘛 干啥 干什么 如果 已经 正在 直接 一直 还有 以及 等 等等 呗 哎 唉 诶 嘞 喔 噢 喽 了吗 没法 不了
不能 不会 不是 一样
弄 咋弄 搞 死活 还要
""".split()
)


@functools.lru_cache(maxsize=1)
def tokenizer() -> jieba.Tokenizer:
    """A jieba tokenizer of our own (global jieba state untouched) that knows the domain words."""
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for word in sorted(lexicon.domain_words()):
        tok.add_word(word, DOMAIN_WORD_FREQ)
    return tok


def words(text: str) -> list[str]:
    """Content words of (normalised) text: jieba tokens minus stop words, punctuation and spaces."""
    out: list[str] = []
    for chunk in text.split():
        for w in _chunk_tokens(chunk):
            if (
                w == "%" and out and out[-1].isdigit()
            ):  # keep rates whole: 1% and 3% are different entries
                out[-1] += "%"
                continue
            if w.isascii() and w.isalpha():
                if w not in EN_STOPWORDS and len(w) > 1:
                    out.append(stem(w))  # English words: no function words, a light stem
            elif w not in STOPWORDS and (
                w.rstrip("%").isalnum() or any("\u4e00" <= c <= "\u9fff" for c in w)
            ):
                out.append(w)
    return out


@functools.lru_cache(maxsize=1 << 16)
def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    """jieba tokens of one space-free chunk. jieba cuts every run of word characters on its own, so
    segmenting chunk by chunk gives the same tokens as segmenting the whole text, and shared chunks
    are cut once."""
    return tuple(w for w in (t.strip() for t in tokenizer().lcut(chunk, HMM=True)) if w)
