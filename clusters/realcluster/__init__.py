"""The real-cluster side: session namespace templates, lab images and a real registry here."""
