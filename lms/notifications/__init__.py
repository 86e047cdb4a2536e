"""In-app notifications (with an e-mail copy), written in every interface language when they are created."""
