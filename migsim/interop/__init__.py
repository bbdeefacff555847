"""Interoperability with other migration models' file formats.

:mod:`migsim.interop.flee` reads and writes scenario folders in the format of Flee (Groen et
al.), :mod:`migsim.interop.flee_rules` runs them with Flee's published movement rules, and
:mod:`migsim.interop.commands` adds the ``migsim flee`` commands.
"""
