"""Organisation administration pages (ORG-01..08, ORG-10, PLT-02/03/12).

Each view checks the page's right, parses its form and calls one service; the services hold
the rules and write the operation log.
"""
