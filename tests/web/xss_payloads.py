"""Hostile text a contributor could type: every payload, if it ever ran in a browser, calls `alert`
or sets `window.__xss` (the tests replace `alert` and watch both).

Script tags, event handlers, `javascript:`/`data:`/`vbscript:` targets in Markdown and HTML,
SVG/MathML, attributes broken out of, `</script>` and `</textarea>` to leave a context, entity-
encoded, mixed-case and null-byte variants, Markdown links and images with hostile targets,
CSS expressions and imports. Most are short enough to fit an author name (100 characters).
"""

from __future__ import annotations

PAYLOADS: list[str] = [
    # script elements
    "<script>alert(1)</script>",
    "<SCRIPT>window.__xss=1</SCRIPT>",
    "<ScRiPt>alert(2)</sCrIpT>",
    "<script src=data:text/javascript,alert(3)></script>",
    "<scr<script>ipt>alert(4)</scr</script>ipt>",
    "<script\x00>alert(5)</script>",
    "<<script>alert(6);//<</script>",
    "</script><script>alert(7)</script>",
    "</textarea><script>alert(8)</script>",
    "</title><script>alert(9)</script>",
    "</style><script>alert(10)</script>",
    "<!--<script>alert(11)</script>-->",
    "--><script>alert(12)</script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(13)>\">",
    # event handlers
    "<img src=x onerror=alert(14)>",
    "<IMG SRC=x OnErRoR=alert(15)>",
    "<img src=x onerror=\"window.__xss=1\">",
    "<body onload=alert(16)>",
    "<details open ontoggle=alert(17)>",
    "<input autofocus onfocus=alert(18)>",
    "<video><source onerror=alert(19)></video>",
    "<div onmouseover=alert(20) style=position:fixed;inset:0>x</div>",
    "<marquee onstart=alert(21)>x</marquee>",
    "<iframe srcdoc=\"<script>parent.alert(22)</script>\"></iframe>",
    "<object data=\"javascript:alert(23)\"></object>",
    "<embed src=\"javascript:alert(24)\">",
    # attributes broken out of
    "\"><img src=x onerror=alert(25)>",
    "'><img src=x onerror=alert(26)>",
    "\" onmouseover=\"alert(27)\" x=\"",
    "' autofocus onfocus='alert(28)' x='",
    "\"><svg onload=alert(29)>",
    "`><img src=x onerror=alert(30)>",
    # SVG and MathML
    "<svg><script>alert(31)</script></svg>",
    "<svg/onload=alert(32)>",
    "<svg><a xlink:href=\"javascript:alert(33)\"><text y=20>x</text></a></svg>",
    "<svg><animate onbegin=alert(34) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(35)>",
    "<math href=\"javascript:alert(36)\">x</math>",
    # link targets in HTML
    "<a href=\"javascript:alert(37)\">click</a>",
    "<a href=\"JaVaScRiPt:alert(38)\">click</a>",
    "<a href=\"&#106;avascript:alert(39)\">click</a>",
    "<a href=\"jav&#x09;ascript:alert(40)\">click</a>",
    "<a href=\"vbscript:msgbox(41)\">click</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCg0Mik8L3NjcmlwdD4=\">click</a>",
    "<form action=\"javascript:alert(43)\"><button>go</button></form>",
    "<base href=\"javascript:alert(44)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(45)\">",
    # Markdown links and images
    "[click](javascript:alert(46))",
    "[click](JAVASCRIPT:alert(47))",
    "[click](  javascript:alert(48) )",
    "[click](java\x00script:alert(49))",
    "[click](&#x6A;avascript:alert(50))",
    "[click](javascript&colon;alert(51))",
    "[click](vbscript:msgbox(52))",
    "[click](data:text/html,<script>alert(53)</script>)",
    "![x](javascript:alert(54))",
    "![x\" onerror=\"alert(55)](x)",
    "[x](x\" onmouseover=\"alert(56))",
    "[a][r]\n\n[r]: javascript:alert(57)",
    "<javascript:alert(58)>",
    "[<img src=x onerror=alert(59)>](https://example.org)",
    # entities and encodings
    "&lt;script&gt;alert(60)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(61)&#62;",
    "\\u003cimg src=x onerror=alert(62)\\u003e",
    "%3Cscript%3Ealert(63)%3C/script%3E",
    "<img src=x on\x00error=alert(64)>",
    # CSS
    "<div style=\"width: expression(alert(65))\">x</div>",
    "<div style=\"background:url(javascript:alert(66))\">x</div>",
    "<style>@import 'javascript:alert(67)';</style>",
    "<style>*{background:url(\"javascript:alert(68)\")}</style>",
    "<link rel=stylesheet href=\"javascript:alert(69)\">",
    # templates and code
    "{{constructor.constructor('alert(70)')()}}",
    "`<script>alert(71)</script>`",
    "```\n</code></pre><script>alert(72)</script>\n```",
]
