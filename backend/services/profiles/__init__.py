"""Children's profiles (the Philomena Protocol) and their photos: who may read them
(``access``), reading them (``views``), photos uploaded, served, swept and shredded
(``attachments``, ``images``)."""
