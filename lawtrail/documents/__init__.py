"""执法文书: the catalogue of document types, documents with their versions and signatures,
and their rendering to PDF and DOCX."""
