"""What goes out: pages written in the seed Markdown layout (`seed_writer`), the Jekyll tree
(`jekyll`) and the static website (`site`). Reading pages in is `medpages.catalog`'s work.
"""
