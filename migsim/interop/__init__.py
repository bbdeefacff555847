"""Other migration models' file formats.

:mod:`migsim.interop.flee` reads and writes scenario folders and validation data in the format
of Flee (Groen et al.), and converts them to and from migsim corridors. Running them is the job
of :mod:`migsim.flee`.
"""
