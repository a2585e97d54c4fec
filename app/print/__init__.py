"""Print-ready output for real printers: printer profiles (data in resources/print/), the
interior and cover-spread builders, colour, and preflight (which reads a PDF back; the same
code behind `pressroom preflight` and the pipeline's check)."""
