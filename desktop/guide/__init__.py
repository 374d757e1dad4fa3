"""Panduan pengguna dalam aplikasi (Markdown, satu halaman per layar); dibaca oleh desktop/help.py."""
