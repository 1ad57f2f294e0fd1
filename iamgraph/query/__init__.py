"""Questions in a small English grammar, turned into `can` / `who-can` queries (`grammar`)."""
