"""The Excel add-in zhuize.xlam, built from the text sources in this folder on any OS.

    build.py         assembles the .xlam (ribbon, config and help sheets, VBA project)
    ovba.py          MS-OVBA: compression, dir/PROJECT streams, vbaProject.bin
    cfb.py           MS-CFB: the OLE compound file that holds the VBA project
    declarations.py  the ZZ_ functions' VBA declarations and wizard help, from udfs.registry
    install.py       `zhuize addin install` (Windows)
    handlers.py      the ribbon buttons' Python side (RunPython targets): thin calls into the pipeline
    customUI14.xml, config.toml, vba/   the sources
"""
