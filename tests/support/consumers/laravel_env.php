<?php
// Prints, as JSON, what Laravel's env() returns for each key of an exported .env, read by
// phpdotenv through Laravel's Env as an application does. php laravel_env.php EXPORT KEY...
require '/usr/share/php/Illuminate/Support/autoload.php';
require '/usr/share/php/Dotenv/autoload.php';

use Illuminate\Support\Env;

$export = $argv[1];
Dotenv\Dotenv::create(Env::getRepository(), dirname($export), basename($export))->load();
$values = [];
foreach (array_slice($argv, 2) as $key) {
    $values[$key] = env($key);
}
echo json_encode($values, JSON_UNESCAPED_UNICODE), "\n";
