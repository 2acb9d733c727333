-- Each service owns its database.
CREATE DATABASE tasks;
CREATE DATABASE notifications;
CREATE DATABASE kpi;
