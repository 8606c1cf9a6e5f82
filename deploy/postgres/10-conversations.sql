-- The image creates the records' database (POSTGRES_DB=tp); Rasa's conversations get their own.
CREATE DATABASE tp_conversations OWNER tp;
