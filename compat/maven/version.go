package maven

import (
	"strconv"
	"strings"
)

// CompareVersions orders two Maven versions as Maven 3.8's ComparableVersion does
// (https://maven.apache.org/pom.html#version-order-specification): a version is a list
// of numbers and qualifiers split at '.', '-' and digit/letter transitions, where '-'
// (and a transition) opens a sub-list; trailing zeros and release qualifiers ("", "ga",
// "final", "release") are dropped; the known qualifiers order as alpha < beta <
// milestone < rc = cr < snapshot < release < sp, before any other qualifier
// (compared case-insensitively, as text); and a number beats a qualifier.
// It returns -1, 0 or +1.
func CompareVersions(a, b string) int {
	return parseVersion(a).compare(parseVersion(b))
}

type itemKind int

const (
	numberItem itemKind = iota
	qualifierItem
	listItem
)

// item is one element of a parsed version.
type item struct {
	kind itemKind
	num  string  // numberItem: decimal digits without leading zeros ("" is zero)
	qual string  // qualifierItem: the qualifier, lower case, aliases resolved
	list []*item // listItem
}

// qualifiers in order; "" is a release.
var qualifiers = []string{"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"}

var qualifierAliases = map[string]string{"ga": "", "final": "", "release": "", "cr": "rc"}

// releaseRank is the comparable form of the release qualifier "".
var releaseRank = comparableQualifier("")

// comparableQualifier maps a qualifier to a string whose byte order is qualifier order:
// a known qualifier's index, or, after all of them, the qualifier itself.
func comparableQualifier(q string) string {
	for i, k := range qualifiers {
		if k == q {
			return strconv.Itoa(i)
		}
	}
	return strconv.Itoa(len(qualifiers)) + "-" + q
}

func newNumber(digits string) *item {
	return &item{kind: numberItem, num: strings.TrimLeft(digits, "0")}
}

// newQualifier makes a qualifier; a single a, b or m directly followed by a digit
// stands for alpha, beta or milestone ("1a1" is "1-alpha-1").
func newQualifier(q string, followedByDigit bool) *item {
	if followedByDigit && len(q) == 1 {
		switch q {
		case "a":
			q = "alpha"
		case "b":
			q = "beta"
		case "m":
			q = "milestone"
		}
	}
	if a, ok := qualifierAliases[q]; ok {
		q = a
	}
	return &item{kind: qualifierItem, qual: q}
}

func parseItem(digits bool, s string) *item {
	if digits {
		return newNumber(s)
	}
	return newQualifier(s, false)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseVersion splits v into its item tree.
func parseVersion(v string) *item {
	v = strings.ToLower(v)
	root := &item{kind: listItem}
	cur := root
	lists := []*item{root}
	open := func() { // a '-' or a digit/letter transition starts a sub-list
		l := &item{kind: listItem}
		cur.list = append(cur.list, l)
		cur = l
		lists = append(lists, l)
	}
	digits := false
	start := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '.' || c == '-':
			if i == start {
				cur.list = append(cur.list, newNumber("0"))
			} else {
				cur.list = append(cur.list, parseItem(digits, v[start:i]))
			}
			start = i + 1
			if c == '-' {
				open()
			}
		case isDigit(c):
			if !digits && i > start {
				cur.list = append(cur.list, newQualifier(v[start:i], true))
				start = i
				open()
			}
			digits = true
		default:
			if digits && i > start {
				cur.list = append(cur.list, newNumber(v[start:i]))
				start = i
				open()
			}
			digits = false
		}
	}
	if len(v) > start {
		cur.list = append(cur.list, parseItem(digits, v[start:]))
	}
	for i := len(lists) - 1; i >= 0; i-- {
		lists[i].normalize()
	}
	return root
}

// isNull reports whether the item equals nothing: zero, a release qualifier, or an
// empty list.
func (it *item) isNull() bool {
	switch it.kind {
	case numberItem:
		return it.num == ""
	case qualifierItem:
		return comparableQualifier(it.qual) == releaseRank
	}
	return len(it.list) == 0
}

// normalize drops trailing null items ("1.0.0" is "1"), looking through trailing
// sub-lists but stopping at the last number or qualifier.
func (it *item) normalize() {
	for i := len(it.list) - 1; i >= 0; i-- {
		last := it.list[i]
		if last.isNull() {
			it.list = append(it.list[:i], it.list[i+1:]...)
		} else if last.kind != listItem {
			break
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// compare orders it against o; a nil o is the missing item of a shorter version.
func (it *item) compare(o *item) int {
	switch it.kind {
	case numberItem:
		switch {
		case o == nil:
			if it.num == "" {
				return 0
			}
			return 1
		case o.kind == numberItem:
			if len(it.num) != len(o.num) {
				return sign(len(it.num) - len(o.num))
			}
			return strings.Compare(it.num, o.num)
		}
		return 1 // 1.1 > 1-sp, 1.1 > 1-1
	case qualifierItem:
		switch {
		case o == nil:
			return sign(strings.Compare(comparableQualifier(it.qual), releaseRank))
		case o.kind == qualifierItem:
			return sign(strings.Compare(comparableQualifier(it.qual), comparableQualifier(o.qual)))
		}
		return -1 // 1.any < 1.1, 1.any < 1-1
	}
	switch {
	case o == nil:
		for _, x := range it.list {
			if r := x.compare(nil); r != 0 {
				return r
			}
		}
		return 0
	case o.kind == numberItem:
		return -1 // 1-1 < 1.0.x
	case o.kind == qualifierItem:
		return 1 // 1-1 > 1-sp
	}
	for i := 0; i < max(len(it.list), len(o.list)); i++ {
		var l, r *item
		if i < len(it.list) {
			l = it.list[i]
		}
		if i < len(o.list) {
			r = o.list[i]
		}
		var c int
		if l == nil {
			c = -r.compare(nil)
		} else {
			c = l.compare(r)
		}
		if c != 0 {
			return c
		}
	}
	return 0
}
